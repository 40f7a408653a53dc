/// The C# surface's tests, written in C# (tests/TargetProp.CSharp.Tests) against the surface alone and run here:
/// every public static method with a [Description] in that assembly is a test named by its description.
module TargetProp.Tests.CSharp.SurfaceTests

open System.ComponentModel
open System.Reflection
open System.Runtime.ExceptionServices
open Expecto

/// Runs a C# test method: a failed expectation is a failed test, anything else it threw is rethrown as itself (not
/// wrapped in a TargetInvocationException), an errored test.
let private run (m: MethodInfo) () =
    try
        m.Invoke(null, [||]) |> ignore
    with :? TargetInvocationException as e when not (isNull e.InnerException) ->
        match e.InnerException with
        | :? TargetProp.CSharp.Tests.ExpectationException as failed -> failtest failed.Message
        | inner -> ExceptionDispatchInfo.Capture(inner).Throw()

[<Tests>]
let tests =
    let assembly = typeof<TargetProp.CSharp.Tests.ExpectationException>.Assembly

    testSequenced
    <| testList
        "CSharp.Surface"
        [ for t in assembly.GetExportedTypes() |> Array.sortBy _.Name do
              for m in
                  t.GetMethods(BindingFlags.Public ||| BindingFlags.Static)
                  |> Array.sortBy _.MetadataToken do
                  match m.GetCustomAttribute<DescriptionAttribute>() with
                  | null -> ()
                  | d -> yield testCase (sprintf "%s: %s" t.Name d.Description) (run m) ]
