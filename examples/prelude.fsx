// The one line every example starts with (#load "prelude.fsx"): references the library as built by
//   dotnet build -c Release
// (the tprop CLI's output folder holds the library and every package it uses).
#r "../src/Cli/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../src/Cli/bin/Release/net10.0/System.Numerics.Tensors.dll"
#r "../src/Cli/bin/Release/net10.0/TargetProp.Runtime.dll"
#r "../src/Cli/bin/Release/net10.0/FsCheck.dll"
#r "../src/Cli/bin/Release/net10.0/TargetProp.Dsl.dll"
