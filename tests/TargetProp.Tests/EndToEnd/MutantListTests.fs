/// tools/mutants.tsv (TESTING.md, "Mutation check") stays runnable: each mutation's text occurs exactly once in its
/// file, so a refactoring or a formatting pass that moves the code it targets fails here rather than leaving the
/// mutation check to report it INVALID much later. In a tree where one mutation is applied (tools/mutants.sh), that
/// mutation's replacement stands once in place of its text.
module TargetProp.Tests.EndToEnd.MutantListTests

open System.IO
open Expecto
open TargetProp.Tests.EndToEnd.CommandTests

let private count (text: string) (source: string) =
    if text.Length = 0 then
        0
    else
        (source.Length - source.Replace(text, "").Length) / text.Length

[<Tests>]
let tests =
    testList
        "EndToEnd.MutantList"
        [ test "every mutation in tools/mutants.tsv names a file and a text that occurs in it exactly once" {
              let rows =
                  File.ReadAllLines(Path.Combine(root, "tools", "mutants.tsv"))
                  |> Array.filter (fun l -> l <> "" && not (l.StartsWith "#"))

              Expect.isGreaterThan rows.Length 50 "the list"

              for row in rows do
                  match row.Split '\t' with
                  | [| name; file; text; replacement |] ->
                      let path = Path.Combine(root, file)
                      Expect.isTrue (File.Exists path) (sprintf "%s: %s exists" name file)
                      let source = File.ReadAllText path
                      let unescape (s: string) = s.Replace("\\n", "\n")

                      let original, mutated =
                          count (unescape text) source, count (unescape replacement) source

                      Expect.isTrue
                          (original = 1 || (original = 0 && mutated = 1))
                          (sprintf
                              "%s: its text occurs %d times in %s; update tools/mutants.tsv to the code as it is now"
                              name
                              original
                              file)
                  | cells -> failtestf "%s: %d tab-separated cells, not 4" row cells.Length
          } ]
