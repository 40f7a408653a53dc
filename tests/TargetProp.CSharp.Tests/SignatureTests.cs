using System.ComponentModel;
using System.Reflection;

namespace TargetProp.CSharp.Tests;

/// What C# sees of the surface: no F# list, option, tuple, function, map, set or result type in a signature.
public static class SignatureTests
{
    private static readonly string[] s_fsharpShapes =
        ["FSharpList`1", "FSharpOption`1", "FSharpValueOption`1", "FSharpFunc`2", "FSharpMap`2", "FSharpSet`1", "FSharpResult`2", "FSharpChoice", "Unit"];

    /// The type and every type inside it (generic arguments, element types) that is an F# shape or a tuple.
    private static IEnumerable<Type> Offending(Type t)
    {
        if (t.HasElementType) foreach (var u in Offending(t.GetElementType()!)) yield return u;
        if (t.IsGenericType) foreach (var u in t.GetGenericArguments().SelectMany(Offending)) yield return u;
        bool fsharp = t.Namespace?.StartsWith("Microsoft.FSharp") == true && s_fsharpShapes.Any(t.Name.StartsWith);
        bool tuple = t.FullName?.StartsWith("System.Tuple`") == true || t.FullName?.StartsWith("System.ValueTuple`") == true;
        if (fsharp || tuple) yield return t;
    }

    [Description("no public signature of the C# surface has an F# list, option, tuple, function, map, set or result type")]
    public static void NoFSharpShapesInSignatures()
    {
        const BindingFlags visible = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new List<string>();
        var types = typeof(Model).Assembly.GetExportedTypes();
        Expect.True(types.Length >= 20, $"the surface's types: {types.Length}");
        foreach (var type in types)
        {
            var members = type.GetMembers(visible | BindingFlags.NonPublic).Where(m => m switch
            {
                MethodBase b => b.IsPublic || b.IsFamily,
                PropertyInfo p => p.GetMethod is { } g && (g.IsPublic || g.IsFamily),
                FieldInfo f => f.IsPublic || f.IsFamily,
                EventInfo => true,
                _ => false,
            });
            foreach (var member in members)
            {
                IEnumerable<Type> used = member switch
                {
                    MethodInfo m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType),
                    ConstructorInfo c => c.GetParameters().Select(p => p.ParameterType),
                    PropertyInfo p => [p.PropertyType],
                    FieldInfo f => [f.FieldType],
                    EventInfo e => [e.EventHandlerType!],
                    _ => [],
                };
                found.AddRange(used.SelectMany(Offending).Select(t => $"{type.Name}.{member.Name}: {t}"));
            }
        }
        Expect.True(found.Count == 0, "F# shapes in C# signatures:\n" + string.Join("\n", found.Distinct()));
    }
}
