/// GemmBlocking: KC and NC from the cache sizes, in closed form, and the sizes read from this machine.
module TargetProp.Tests.Runtime.GemmBlockingTests

open System.IO
open Expecto
open TargetProp.Runtime

let private kib n = int64 n * 1024L

[<Tests>]
let tests =
    testList
        "Runtime.GemmBlocking"
        [ test "KC and NC follow the caches: 384 × 384 where measured, smaller for small caches, never past the caps" {
              for l1, l2, kc, nc in
                  [ 32, 1024, 384, 384 // L1d 32 KiB, L2 1 MiB: 6·384·4 = 9 KiB ≤ 2/7 of L1d, 384·384·4 = 576 KiB ≤ 3/5 of L2
                    48, 2048, 384, 384 // larger caches: the caps
                    16, 1024, 192, 384 // 6·kc·4 ≤ 4681 B → kc = 195 → 192
                    32, 256, 384, 96 // 384·nc·4 ≤ 157286 B → nc = 102 → 96
                    4, 64, 48, 192 // tiny: 6·kc·4 ≤ 1170 B → kc = 48; 48·nc·4 ≤ 39321 B → nc = 204 → 192
                    1, 4, 8, 48 ] do // never below 8 steps or one 48-column panel
                  let b = GemmBlocking.From(struct (kib l1, kib l2, "test"))
                  Expect.equal (b.KC, b.NC) (kc, nc) $"L1d {l1} KiB, L2 {l2} KiB"
          }

          test "on Linux the sizes come from sysfs, as the kernel reports them for cpu0" {
              let root = "/sys/devices/system/cpu/cpu0/cache"

              if not (Directory.Exists root) then
                  skiptest "no /sys/devices/system/cpu/cpu0/cache here"

              let read index file =
                  File.ReadAllText(Path.Combine(root, index, file)).Trim()

              let size (s: string) =
                  if s.EndsWith "K" then
                      int64 s.[.. s.Length - 2] * 1024L
                  elif s.EndsWith "M" then
                      int64 s.[.. s.Length - 2] * 1024L * 1024L
                  else
                      int64 s

              let sizeOf level kinds =
                  Directory.GetDirectories(root, "index*")
                  |> Array.map Path.GetFileName
                  |> Array.find (fun i -> read i "level" = level && List.contains (read i "type") kinds)
                  |> fun i -> size (read i "size")

              let current = GemmBlocking.Current
              Expect.equal current.Source "sysfs" "source"
              Expect.equal current.L1DataBytes (sizeOf "1" [ "Data" ]) "L1d"
              Expect.equal current.L2Bytes (sizeOf "2" [ "Unified"; "Data" ]) "L2"
          } ]
