/// The one test program: runs every [<Tests>] value in this assembly and ends with the line
/// "N passed, N failed" that CI reads.
module TargetProp.Tests.Main

open Expecto
open Expecto.Impl

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

    let code = runTestsInAssemblyWithCLIArgs args argv
    stdout.Flush()
    printfn "%d passed, %d failed" (fst tally) (snd tally)
    code
