/// The one test program: runs every [<Tests>] value in this assembly and ends with the line
/// "N passed, N failed" that CI reads. `--only A,B,...` keeps the tests whose names start with one of the prefixes
/// (CI's runs on the narrower vector paths); every other argument goes to Expecto.
module TargetProp.Tests.Main

open Expecto
open Expecto.Impl

/// The prefixes after `--only`, and the arguments without it.
let private only (argv: string[]) =
    match Array.tryFindIndex ((=) "--only") argv with
    | Some i when i + 1 < argv.Length ->
        Some(argv.[i + 1].Split(',', System.StringSplitOptions.RemoveEmptyEntries)),
        Array.append argv.[.. i - 1] argv.[i + 2 ..]
    | Some _ ->
        failwith "--only needs a comma-separated list of test-name prefixes, such as --only Runtime.Gemm,Dsl.Compile"
    | None -> None, argv

[<EntryPoint>]
let main argv =
    let mutable tally = (0, 0)
    let printer = defaultConfig.printer
    // Expecto's own summary, plus a note of the counts for the last line.
    let summary c (s: TestRunSummary) =
        tally <- (s.passed.Length, s.failed.Length + s.errored.Length)
        printer.summary c s

    let args =
        [ CLIArguments.Printer { printer with summary = summary }
          CLIArguments.No_Spinner
          CLIArguments.Colours 0 ]

    let prefixes, argv = only argv
    printfn "vector path: %s" (TargetProp.Runtime.VectorPath.Describe())

    let code =
        match prefixes with
        | None -> runTestsInAssemblyWithCLIArgs args argv
        | Some prefixes ->
            let tests =
                testFromThisAssembly ()
                |> Option.defaultValue (testList "none" [])
                |> Test.filter "." (fun path ->
                    let name = String.concat "." path
                    prefixes |> Array.exists name.StartsWith)

            runTestsWithCLIArgs args argv tests

    stdout.Flush()
    printfn "%d passed, %d failed" (fst tally) (snd tally)
    code
