/// Tasks: the script runs each command, logs it and leaves its exit code; states are read from what it left.
module TargetProp.Tests.Experiments.TasksTests

open System.IO
open Expecto
open TargetProp.Experiments

[<Tests>]
let tests =
    testList
        "Experiments.Tasks"
        [ test "local tasks run their commands (quoting intact), log them, and leave exit codes that status reads" {
              let dir =
                  Path.Combine(Path.GetTempPath(), sprintf "tprop-tasks-%d" (System.Random().Next()))

              Tasks.write
                  dir
                  [ [ "echo"; "it's one argument"; "$HOME" ]
                    [ "bash"; "-c"; "exit 7" ]
                    [ "true" ] ]

              Expect.equal (Tasks.count dir) 3 "three tasks"
              Expect.equal (Tasks.status dir) [ 0, Missing; 1, Missing; 2, Missing ] "none has run"
              Tasks.start dir "test" 1 (Local 2) [ 0; 1 ]

              Expect.equal
                  (Tasks.status dir)
                  [ 0, Done; 1, Failed 7; 2, Missing ]
                  "done, failed with its code, never run"

              Expect.contains
                  (Tasks.tail dir 0 10)
                  "it's one argument $HOME"
                  "the arguments reach the command unexpanded"

              Expect.equal (Tasks.report dir string) [ 1; 2 ] "the failed and the missing are the ones to run again"
              Tasks.start dir "test" 1 (Local 1) [ 2 ]
              Expect.equal (snd (Tasks.status dir).[2]) Done "resubmitted"
              Tasks.write dir [ [ "true" ]; [ "true" ] ]
              Expect.equal (Tasks.status dir) [ 0, Missing; 1, Missing ] "new tasks forget the old ones' exit codes"
              Directory.Delete(dir, true)
          }
          test "a folder without tasks is refused naming the file" {
              Expect.throwsC (fun () -> Tasks.count "/nonexistent-tasks" |> ignore) (fun e ->
                  Expect.stringContains e.Message "tasks.txt does not exist" "why")
          } ]
