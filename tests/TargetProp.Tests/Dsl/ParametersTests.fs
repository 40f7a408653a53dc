/// Parameter initialisation (Parameters.fs): the side inputs' U_l are drawn after every other weight, so a model gets
/// the weights it got before it read a side input.
module TargetProp.Tests.Dsl.ParametersTests

open Expecto
open TargetProp.Dsl

[<Tests>]
let tests =
    testList "Dsl.Parameters" [
        test "reading a side input adds U_l and leaves every other initial weight as it was" {
            let plain = input 6 |> sideInput "context" 4 |> dense 5 Tanh |> dense 5 Tanh |> dense 3 Softmax
            let reading = input 6 |> sideInput "context" 4 |> dense 5 Tanh |> reads "context" |> dense 5 Tanh |> dense 3 Softmax |> reads "context"
            let rule = Rules.aoSdtp
            let p0 = Parameters.init 9 (Model.create plain rule)
            let p1 = Parameters.init 9 (Model.create reading rule)
            Expect.equal p1.W p0.W "W"
            Expect.equal p1.V p0.V "V"
            Expect.equal p1.A p0.A "A"
            Expect.equal (p1.U |> Map.toList |> List.map (fun (l, u) -> l, u.Length)) [ 1, 5 * 4; 3, 3 * 4 ] "U_1 [5 × 4] and U_3 [3 × 4]"
            Expect.isTrue (p1.U.[1] |> Array.exists ((<>) 0.0f)) "U_1 is drawn, not zero"
        }
    ]
