namespace TargetProp.Runtime;

/// The known name nearest a mistyped one, for "did you mean" in messages.
public static class Nearest
{
    /// The known name at the smallest edit distance (insertions, deletions, substitutions, swaps of neighbours; case
    /// ignored) from `name`,
    /// if it is at most 2 and less than half the name's length; null otherwise.
    public static string? Name(string name, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string k in known)
        {
            int d = Distance(name.ToLowerInvariant(), k.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (k, d);
        }
        return bestDistance <= 2 && 2 * bestDistance < name.Length ? best : null;
    }

    /// " (did you mean X?)" or "".
    public static string Suggestion(string name, IEnumerable<string> known) =>
        Name(name, known) is { } near ? $" (did you mean {near}?)" : "";

    /// Optimal string alignment distance: Levenshtein's, with a swap of two neighbours as one edit.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
