// The line every experiment script starts with (#load "prelude.fsx"): references the library as built by
//   dotnet build -c Release
// (the tprop CLI's output folder holds the library and every package it uses). The experiments read this build rather
// than the package (examples/ does that) because they also need TargetProp.Experiments, which is not in the package.
#r "../src/Cli/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../src/Cli/bin/Release/net10.0/System.Numerics.Tensors.dll"
#r "../src/Cli/bin/Release/net10.0/TargetProp.Runtime.dll"
#r "../src/Cli/bin/Release/net10.0/FsCheck.dll"
#r "../src/Cli/bin/Release/net10.0/SkiaSharp.dll"
#r "../src/Cli/bin/Release/net10.0/ScottPlot.dll"
#r "../src/Cli/bin/Release/net10.0/TargetProp.Dsl.dll"

// Report.plot draws with SkiaSharp, whose native libraries the build puts under runtimes/<platform>/native: an
// application finds them there by itself; in a script, SkiaSharp and HarfBuzzSharp are told where they are.
#r "../src/Cli/bin/Release/net10.0/HarfBuzzSharp.dll"

do
    let native =
        System.IO.Path.Combine(
            __SOURCE_DIRECTORY__,
            "../src/Cli/bin/Release/net10.0/runtimes",
            System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier,
            "native"
        )

    if System.IO.Directory.Exists native then
        let handles =
            System.IO.Directory.GetFiles native
            |> Array.map (fun f ->
                System.IO.Path.GetFileNameWithoutExtension f, System.Runtime.InteropServices.NativeLibrary.Load f)
            |> dict

        let resolve =
            System.Runtime.InteropServices.DllImportResolver(fun name _ _ ->
                match handles.TryGetValue name with
                | true, h -> h
                | _ -> 0n)

        for assembly in [ typeof<SkiaSharp.SKImageInfo>.Assembly; typeof<HarfBuzzSharp.Blob>.Assembly ] do
            System.Runtime.InteropServices.NativeLibrary.SetDllImportResolver(assembly, resolve)
