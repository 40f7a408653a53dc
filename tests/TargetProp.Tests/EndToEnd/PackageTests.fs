/// The packages (README "As a package"), made and used as a user makes and uses them: `dotnet pack` of the solution
/// gives exactly the library package and the tool package; the library carries the three assemblies with their XML
/// docs and embedded symbols; the tool installs from the folder of packages alone and trains. Needs
/// `dotnet build -c Release` first, as CI does (it packs with no build, and restores nothing but the tool).
module TargetProp.Tests.EndToEnd.PackageTests

open System.Diagnostics
open System.IO
open System.IO.Compression
open System.Reflection.PortableExecutable
open System.Text.RegularExpressions
open System.Xml.Linq
open Expecto
open TargetProp.Tests.EndToEnd.CommandTests

/// The version every package has (Directory.Build.props).
let version =
    XDocument.Load(Path.Combine(root, "Directory.Build.props")).Descendants(XName.Get "Version")
    |> Seq.exactlyOne
    |> fun e -> e.Value

/// The bytes of one entry of a package.
let entryBytes (zip: ZipArchive) (name: string) =
    use s = zip.GetEntry(name).Open()
    use m = new MemoryStream()
    s.CopyTo m
    m.ToArray()

[<Tests>]
let tests =
    testSequenced
    <| testList
        "EndToEnd.Package"
        [ test
              "dotnet pack gives TargetProp.Dsl (runtime, language, C# surface, docs, symbols) and the tprop tool, which installs from the artifacts folder alone and trains an epoch; a C# program depending on TargetProp.Dsl alone trains an epoch" {
              let temp =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-pack-%d" (System.Random().Next()))

              let artifacts = Path.Combine(temp, "artifacts")
              // No MSBuild node outlives a command of this test.
              let quiet = [ "MSBUILDDISABLENODEREUSE", "1"; "DOTNET_CLI_TELEMETRY_OPTOUT", "1" ]
              // Its packages restore into caches of its own: the machine's cache keeps its copy of TargetProp.Dsl, which
              // an example script (ExampleScriptTests) may be loading meanwhile (Directory.Build.targets).
              let code, stdout, stderr =
                  execWith
                      quiet
                      "dotnet"
                      [ "pack"
                        "TargetProp.Dsl.sln"
                        "-c"
                        "Release"
                        "--no-build"
                        "-o"
                        artifacts
                        "-p:ForgetCachedPackage=false" ]

              Expect.equal code 0 (stdout + stderr)

              let packages =
                  Directory.GetFiles(artifacts, "*.nupkg")
                  |> Array.map Path.GetFileName
                  |> Array.sort

              Expect.equal
                  packages
                  [| sprintf "TargetProp.Dsl.%s.nupkg" version
                     sprintf "tprop.%s.nupkg" version |]
                  "only the library and the tool are packable"

              // The library: three assemblies, their docs, symbols inside them, metadata, and no dependency on a package
              // of ours (the runtime is inside, not a package of its own).
              do
                  use zip = ZipFile.OpenRead(Path.Combine(artifacts, packages.[0]))
                  let names = zip.Entries |> Seq.map (fun e -> e.FullName) |> Set.ofSeq

                  for a in [ "TargetProp.Runtime"; "TargetProp.Dsl"; "TargetProp.Dsl.CSharp" ] do
                      for ext in [ ".dll"; ".xml" ] do
                          Expect.contains names (sprintf "lib/net10.0/%s%s" a ext) "an assembly and its docs"

                      use pe =
                          new PEReader(new MemoryStream(entryBytes zip (sprintf "lib/net10.0/%s.dll" a)))

                      let embedded =
                          pe.ReadDebugDirectory()
                          |> Seq.exists (fun d -> d.Type = DebugDirectoryEntryType.EmbeddedPortablePdb)

                      Expect.isTrue embedded (a + ": symbols (with sources) embedded in the assembly")

                  Expect.contains names "README.md" "the readme"

                  let nuspec =
                      XDocument.Load(new MemoryStream(entryBytes zip "TargetProp.Dsl.nuspec"))

                  let one (name: string) =
                      nuspec.Descendants()
                      |> Seq.filter (fun e -> e.Name.LocalName = name)
                      |> Seq.map (fun e -> e.Value)
                      |> Seq.toList

                  Expect.equal (one "license") [ "MIT" ] "licence expression"
                  Expect.equal (one "readme") [ "README.md" ] "readme"
                  Expect.isNonEmpty (one "description" |> List.filter (fun d -> d.Length > 40)) "a description"
                  Expect.isNonEmpty (one "tags") "tags"

                  let dependencies =
                      nuspec.Descendants()
                      |> Seq.filter (fun e -> e.Name.LocalName = "dependency")
                      |> Seq.map (fun e -> e.Attribute(XName.Get "id").Value)
                      |> Set.ofSeq
                  // Every package the three projects reference (and FSharp.Core, which every F# project does), so that
                  // src/Package's list cannot fall behind theirs.
                  let used =
                      [ "src/Runtime.CSharp/TargetProp.Runtime.csproj"
                        "src/Dsl.FSharp/TargetProp.Dsl.fsproj"
                        "src/Dsl.CSharp/TargetProp.Dsl.CSharp.csproj" ]
                      |> List.collect (fun p ->
                          XDocument.Load(Path.Combine(root, p)).Descendants(XName.Get "PackageReference")
                          |> Seq.map (fun e -> e.Attribute(XName.Get "Include").Value)
                          |> Seq.toList)
                      |> Set.ofList
                      |> Set.add "FSharp.Core"

                  Expect.equal dependencies used "the package's dependencies are the packages the three assemblies use"

                  Expect.isEmpty
                      (dependencies |> Set.filter (fun d -> d.StartsWith "TargetProp"))
                      "no package of ours as a dependency"

              // The tool, from the artifacts folder only (a NuGet.config with no other source, an empty package cache).
              let config = Path.Combine(temp, "nuget.config")

              File.WriteAllText(
                  config,
                  sprintf
                      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration><packageSources><clear /><add key=\"artifacts\" value=\"%s\" /></packageSources></configuration>\n"
                      artifacts
              )

              let tools = Path.Combine(temp, "tools")
              let env = [ "NUGET_PACKAGES", Path.Combine(temp, "packages") ]

              let code, stdout, stderr =
                  execWith
                      env
                      "dotnet"
                      [ "tool"
                        "install"
                        "--tool-path"
                        tools
                        "--configfile"
                        config
                        "tprop"
                        "--version"
                        version ]

              Expect.equal code 0 (stdout + stderr)

              let tprop =
                  Path.Combine(
                      tools,
                      if System.OperatingSystem.IsWindows() then
                          "tprop.exe"
                      else
                          "tprop"
                  )

              let code, stdout, stderr = exec tprop [ "--help" ]
              Expect.equal code 0 (stdout + stderr)
              Expect.stringContains stdout "USAGE: tprop" "the usage"
              let out = Path.Combine(temp, "run")

              let code, stdout, stderr =
                  exec tprop [ "train"; "--epochs"; "1"; "--limit-train"; "500"; "--out"; out ]

              Expect.equal code 0 (stdout + stderr)

              Expect.isTrue
                  (Regex.IsMatch(stdout, @"^epoch +1/1 ", RegexOptions.Multiline))
                  ("an epoch line in:\n" + stdout)

              Expect.equal (File.ReadAllLines(Path.Combine(out, "metrics.jsonl")).Length) 1 "one epoch logged"

              // A C# program of a user's own that depends on TargetProp.Dsl alone. Its restore needs no network: the package's
              // dependencies come from the machine's package cache (filled by building this repository) read as a package
              // source, and TargetProp.* only from the artifacts folder (source mapping), into an empty cache of its own, so
              // the package just made is the one used even when an older build of the same version sits in the machine's cache.
              let app = Path.Combine(temp, "app")
              Directory.CreateDirectory app |> ignore

              let cache =
                  match System.Environment.GetEnvironmentVariable "NUGET_PACKAGES" with
                  | null
                  | "" ->
                      Path.Combine(
                          System.Environment.GetFolderPath System.Environment.SpecialFolder.UserProfile,
                          ".nuget",
                          "packages"
                      )
                  | folder -> folder

              let appConfig =
                  [ "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
                    "<configuration>"
                    "  <packageSources><clear />"
                    sprintf "    <add key=\"artifacts\" value=\"%s\" />" artifacts
                    sprintf "    <add key=\"cache\" value=\"%s\" />" cache
                    "  </packageSources>"
                    "  <packageSourceMapping>"
                    "    <packageSource key=\"artifacts\"><package pattern=\"TargetProp.*\" /></packageSource>"
                    "    <packageSource key=\"cache\"><package pattern=\"*\" /></packageSource>"
                    "  </packageSourceMapping>"
                    "</configuration>" ]

              File.WriteAllLines(Path.Combine(app, "nuget.config"), appConfig)

              File.WriteAllText(
                  Path.Combine(app, "app.csproj"),
                  sprintf
                      "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable><TreatWarningsAsErrors>true</TreatWarningsAsErrors></PropertyGroup><ItemGroup><PackageReference Include=\"TargetProp.Dsl\" Version=\"%s\" /></ItemGroup></Project>\n"
                      version
              )

              let program =
                  [ "using TargetProp.CSharp;"
                    "var model = Model.Create(Stack.Input(784).Dense(64, Unit.Tanh).Dense(10, Unit.Softmax), Rules.Dtp);"
                    "Console.WriteLine($\"errors: {model.Check().Errors.Count}\");"
                    "var trainer = new Trainer(model, Data.Digits(), new TrainingOptions { Epochs = 1 });"
                    "trainer.EpochCompleted += (_, e) => Console.WriteLine(e.ToLine(1));"
                    "trainer.Run();" ]

              File.WriteAllLines(Path.Combine(app, "Program.cs"), program)

              let code, stdout, stderr =
                  execWith (quiet @ env) "dotnet" [ "run"; "--project"; app ]

              Expect.equal code 0 (stdout + stderr)
              Expect.stringContains stdout "errors: 0" "the model checks"

              Expect.isTrue
                  (Regex.IsMatch(stdout, @"^epoch +1/1 ", RegexOptions.Multiline))
                  ("an epoch line from the package's C# surface in:\n" + stdout)

              Directory.Delete(temp, true)
          } ]
