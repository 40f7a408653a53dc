namespace TargetProp.Dsl

open TargetProp.Runtime.Data

type Normalisation =
    | UnitRange
    | Standardise

module Data =
    let load (nameOrFolder: string) : DataSet = DataSets.Load nameOrFolder
    let digits () = load DataSets.Bundled
    let mnist () = load "mnist"
    let fashionMnist () = load "fashion-mnist"
    let cifar10 () = load "cifar-10"

    let normalise (n: Normalisation) (d: DataSet) =
        match n with
        | UnitRange -> d
        | Standardise ->
            // μ = mean of the training inputs, s = their standard deviation (population form, as torchvision's constants).
            let xs = d.TrainX
            let mu = xs |> Array.averageBy float
            let s = sqrt (xs |> Array.averageBy (fun x -> (float x - mu) ** 2.0))

            let scale (a: float32[]) =
                a |> Array.map (fun x -> float32 ((float x - mu) / s))

            d.WithInputs(scale d.TrainX, scale d.TestX)

    let withSide (name: string) (width: int) (train: float32[]) (test: float32[]) (d: DataSet) =
        d.WithSide(name, width, train, test)

    let withSideFromIdx (name: string) (trainFile: string) (testFile: string) (d: DataSet) =
        let read (file: string) (count: int) =
            let a = Idx.Read file
            let values = a.Data |> Array.map (fun b -> float32 b / 255.0f)

            if count = 0 || a.Dimensions.[0] <> count then
                raise (
                    DataFormatException(
                        file,
                        sprintf
                            "the side input '%s' has %d examples here, but %s has %d in this split: give it one row per example, in the data set's order (dimensions [%d, WIDTH])"
                            name
                            a.Dimensions.[0]
                            d.Name
                            count
                            count
                    )
                )

            values, values.Length / count

        let train, width = read trainFile d.TrainCount
        let test, testWidth = read testFile d.TestCount

        if testWidth <> width then
            raise (
                DataFormatException(
                    testFile,
                    sprintf
                        "the side input '%s' has %d values per example here but %d in %s"
                        name
                        testWidth
                        width
                        trainFile
                )
            )

        d.WithSide(name, width, train, test)
