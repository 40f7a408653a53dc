/// The C# example (examples/CSharp), run as a user runs it after `dotnet build -c Release`.
module TargetProp.Tests.EndToEnd.CSharpExampleTests

open System.IO
open System.Text.RegularExpressions
open Expecto
open TargetProp.Tests.EndToEnd.CommandTests

[<Tests>]
let tests =
    testList
        "EndToEnd.CSharpExample"
        [ test
              "the C# example trains DTP for 2 epochs, prints a line per epoch, and its reloaded checkpoint has the trained test error" {
              let folder =
                  Path.Combine(Path.GetTempPath(), sprintf "dtp-csharp-%d" (System.Random().Next()))

              let program =
                  Path.Combine(root, "examples", "CSharp", "bin", "Release", "net10.0", "dtp-csharp.dll")

              let code, stdout, stderr = dotnet [ program; folder ]
              Expect.equal code 0 (stdout + stderr)
              let epochs = Regex.Matches(stdout, @"^epoch +\d+/2 ", RegexOptions.Multiline)
              Expect.equal epochs.Count 2 ("two epoch lines in:\n" + stdout)

              let value (label: string) =
                  let m =
                      Regex.Match(stdout, "^" + Regex.Escape label + @": (\S+)", RegexOptions.Multiline)

                  Expect.isTrue m.Success (sprintf "a line \"%s: …\" in:\n%s" label stdout)
                  float m.Groups.[1].Value

              let trained = value "test error of the trained model"
              Expect.equal (value "test error after reload") trained "the same test error after reload"
              Expect.isTrue (trained > 0.0 && trained < 0.5) (sprintf "DTP learns in 2 epochs: test error %g" trained)
              Expect.stringContains stdout "parameters read back bit for bit: True" "the parameter file"
              Expect.stringContains stdout "difference correction holds on 20 networks: True" "the custom rule's law"
              Directory.Delete(folder, true)
          } ]
