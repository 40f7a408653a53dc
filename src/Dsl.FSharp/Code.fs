namespace TargetProp.Dsl

/// Values printed as the F# code that builds them.
module internal Code =
    /// A float as an F# float literal: 0.5, 1.0, 1e-05, nan.
    let float (k: float) =
        let r = k.ToString("R", System.Globalization.CultureInfo.InvariantCulture)

        if System.Double.IsNaN k then
            "nan"
        elif System.Double.IsPositiveInfinity k then
            "infinity"
        elif System.Double.IsNegativeInfinity k then
            "-infinity"
        elif r |> Seq.exists (fun c -> c = '.' || c = 'E' || c = 'e') then
            r
        else
            r + ".0"
