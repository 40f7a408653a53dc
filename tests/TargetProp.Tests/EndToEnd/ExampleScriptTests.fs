/// The example scripts, run as a user runs them: each starts with #r "nuget: TargetProp.Dsl", which
/// examples/NuGet.config resolves from artifacts/; and a script of a user's own, outside the repository, that depends on
/// the package alone. Needs `dotnet build -c Release` first, as CI does; packs artifacts/ itself when it is stale.
module TargetProp.Tests.EndToEnd.ExampleScriptTests

open System.IO
open System.IO.Compression
open System.Reflection.Metadata
open System.Reflection.PortableExecutable
open System.Text.RegularExpressions
open Expecto
open TargetProp.Tests.EndToEnd.CommandTests
open TargetProp.Tests.EndToEnd.PackageTests

/// The assemblies of the package, each beside the build output it is packed from.
let private assemblies =
    [ "TargetProp.Runtime", "src/Runtime.CSharp"
      "TargetProp.Dsl", "src/Dsl.FSharp"
      "TargetProp.Dsl.CSharp", "src/Dsl.CSharp" ]
    |> List.map (fun (name, project) -> name, Path.Combine(root, project, "bin", "Release", "net10.0", name + ".dll"))

/// artifacts/TargetProp.Dsl.<version>.nupkg, made from this build: packed now (about 30 s) unless its assemblies are
/// already the build's, byte for byte. The pack also makes the machine's NuGet cache forget its copy of that version
/// (Directory.Build.targets), so the scripts' restore takes this one. Once per test run.
let private packed =
    lazy
        (let package =
            Path.Combine(root, "artifacts", sprintf "TargetProp.Dsl.%s.nupkg" version)

         let current () =
             File.Exists package
             && (use zip = ZipFile.OpenRead package

                 assemblies
                 |> List.forall (fun (name, built) ->
                     entryBytes zip (sprintf "lib/net10.0/%s.dll" name) = File.ReadAllBytes built))

         if not (current ()) then
             let code, stdout, stderr =
                 execWith
                     [ "MSBUILDDISABLENODEREUSE", "1" ]
                     "dotnet"
                     [ "pack"
                       "src/Package"
                       "-c"
                       "Release"
                       "--no-build"
                       "-o"
                       Path.Combine(root, "artifacts") ]

             if code <> 0 || not (current ()) then
                 failwithf "dotnet pack src/Package -o artifacts failed:\n%s%s" stdout stderr)

/// Each example script, what it does, the environment it runs with, and what its output must hold (text, what it shows).
let private examples =
    [ "custom_rule.fsx",
      "composes a rule, checks the laws, trains it and prints its angles to bp",
      [],
      [ "ĥ_{l-1} = h_{l-1} + 0.5·(g_l(ĥ_l) − g_l(h_l))", "its equation"
        "fixed point              holds on 100.0 %", "a law"
        "angle between each layer's update and back-propagation's gradient", "angles" ]
      "side_input.fsx",
      "declares a side input of width 32 that the first layer reads, and trains",
      [],
      [ "input 784 |> sideInput \"view\" 32 |> dense 240 Tanh |> reads \"view\"", "the stack, printed as code"
        "h1 = tanh(W1 x + U1 s_view + b1)", "its equation"
        "test error after 2 epochs", "trained" ]
      "quickstart.fsx",
      "runs and prints the model before training",
      [],
      [ "input 784 |> repeat 3 (dense 240 Tanh) |> dense 10 Softmax", "the model, printed"
        "test error after 3 epochs", "trained" ]
      "dtp_mnist.fsx",
      "trains Lee et al.'s DTP on MNIST (1 epoch here)",
      [ "TPROP_EPOCHS", "1" ],
      [ "input 784 |> repeat 7 (dense 240 Tanh) |> dense 10 Softmax", "the model, printed"
        "test error after 1 epochs", "trained" ] ]

/// The module version id of an assembly file: the same for the same bytes.
let private mvid (path: string) =
    use pe = new PEReader(File.OpenRead path)
    let md = pe.GetMetadataReader()
    md.GetGuid(md.GetModuleDefinition().Mvid)

[<Tests>]
let tests =
    testList
        "EndToEnd.ExampleScripts"
        [ test "every example script starts with #r \"nuget: TargetProp.Dsl\" and references no build output" {
              for f in Directory.GetFiles(Path.Combine(root, "examples"), "*.fsx") do
                  let lines = File.ReadAllLines f
                  Expect.stringStarts lines.[0] "#r \"nuget: TargetProp.Dsl\"" (Path.GetFileName f + ": its first line")

                  Expect.isFalse
                      (lines
                       |> Array.exists (fun l -> l.Contains "bin/Release" || l.StartsWith "#load"))
                      (Path.GetFileName f + ": no build output, no prelude")
          }
          for name, does, env, expected in examples do
              test (sprintf "examples/%s %s" name does) {
                  packed.Force()
                  let code, stdout, stderr = execWith env "dotnet" [ "fsi"; "examples/" + name ]
                  Expect.equal code 0 (stdout + stderr)

                  for text, what in expected do
                      Expect.stringContains stdout text what
              }
          test
              "a script outside the repository, with #r \"nuget: TargetProp.Dsl\" and artifacts/ as its feed, trains an epoch on digits with this build" {
              packed.Force()
              let folder = Directory.CreateTempSubdirectory("tprop-script-").FullName

              File.WriteAllText(
                  Path.Combine(folder, "NuGet.config"),
                  sprintf
                      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration><packageSources><add key=\"targetprop\" value=\"%s\" /></packageSources></configuration>\n"
                      (Path.Combine(root, "artifacts"))
              )

              let lines =
                  [ "#r \"nuget: TargetProp.Dsl\""
                    "open TargetProp.Dsl"
                    "let model = Model.create (input 784 |> dense 64 Tanh |> dense 10 Softmax) Rules.dtp"
                    "let config = { Train.defaults with Epochs = 1; Seed = 1 }"
                    "Train.runWith (Report.epochLine 1 >> printfn \"%s\") config model (Data.digits ()) |> ignore"
                    "printfn \"mvid %O\" (typeof<Model>.Assembly.ManifestModule.ModuleVersionId)" ]

              let path = Path.Combine(folder, "mine.fsx")
              File.WriteAllLines(path, lines)
              let code, stdout, stderr = dotnet [ "fsi"; path ]
              Expect.equal code 0 (stdout + stderr)

              Expect.isTrue
                  (Regex.IsMatch(stdout, @"^epoch +1/1 ", RegexOptions.Multiline))
                  ("an epoch line in:\n" + stdout)

              let built = assemblies |> List.find (fst >> (=) "TargetProp.Dsl") |> snd

              Expect.stringContains
                  stdout
                  (sprintf "mvid %O" (mvid built))
                  "the script ran the TargetProp.Dsl of this build"

              Directory.Delete(folder, true)
          } ]
