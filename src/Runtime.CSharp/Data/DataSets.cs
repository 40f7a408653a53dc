using System.Collections.ObjectModel;
using System.Text;

namespace TargetProp.Runtime.Data;

/// The MNIST-family data sets and CIFAR-10 by name, or any folder holding the four IDX files or CIFAR-10's six batch files.
public static class DataSets
{
    /// The name of the set embedded in this assembly (see Data/Bundled/README.md).
    public const string Bundled = "digits";

    /// The environment variable naming a folder whose sub-folders are named data sets (folder/&lt;name&gt;/).
    public const string Variable = "TARGETPROP_DATA";

    private const int Classes = 10;

    /// train images, train labels, test images, test labels; each raw or with ".gz".
    private static readonly string[] s_files =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// The name of CIFAR-10 (see Cifar.cs).
    private const string Cifar10 = "cifar-10";

    /// The formats a folder is looked at for: a known name says its own; a folder or another word may hold either.
    [Flags]
    private enum Formats { Idx = 1, Cifar = 2, Any = Idx | Cifar }

    /// k / 255 for every byte k.
    private static readonly float[] s_pixelScale = Enumerable.Range(0, 256).Select(k => k / 255f).ToArray();

    /// k / 255 for every byte k, for the readers.
    internal static ReadOnlySpan<float> PixelScale => s_pixelScale;

    /// <summary>The names Load knows (in any case): "digits", "mnist", "fashion-mnist" and "cifar-10".</summary>
    public static IReadOnlyList<string> Names { get; } = new ReadOnlyCollection<string>([Bundled, "mnist", "fashion-mnist", Cifar10]);

    /// nameOrFolder: "digits" (the bundled set), "mnist", "fashion-mnist", "cifar-10", or a folder holding the four files
    /// train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz],
    /// or CIFAR-10's data_batch_1.bin … data_batch_5.bin and test_batch.bin (in it or in its cifar-10-batches-bin sub-folder;
    /// a folder holding any of these is read as CIFAR-10).
    /// Names are looked up in this order: the TARGETPROP_DATA variable (folder/&lt;name&gt;/), ./data/&lt;name&gt;/, the user's cache folder
    /// (Environment.SpecialFolder.LocalApplicationData, then ~/.cache where that differs; then targetprop/&lt;name&gt;/).
    /// A known name wins over a folder of the same name; any other word without a path separator is looked up like a name.
    /// Not found: DataNotFoundException whose message lists every place looked in, where to get the files and where to put them.
    public static DataSet Load(string nameOrFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrFolder);
        if (string.Equals(nameOrFolder, Bundled, StringComparison.OrdinalIgnoreCase))
            return LoadBundled();
        bool known = Names.Contains(nameOrFolder, StringComparer.OrdinalIgnoreCase);
        if (!known && Directory.Exists(nameOrFolder))
        {
            string folder = Path.GetFullPath(nameOrFolder);
            var load = Find(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)), folder, Formats.Any, out string missing);
            if (load is null)
                throw new DataNotFoundException(nameOrFolder, [folder],
                    $"The folder {folder} lacks {missing}.\n{FilesNeeded(Formats.Any)}");
            return load();
        }
        if (!known && File.Exists(nameOrFolder))
            throw new DataNotFoundException(nameOrFolder, [Path.GetFullPath(nameOrFolder)],
                $"{Path.GetFullPath(nameOrFolder)} is a file, not a folder: give the folder that holds it, or a name ({string.Join(", ", Names)}).\n{FilesNeeded(Formats.Any)}");
        if (!known && nameOrFolder.IndexOfAny(['/', '\\']) >= 0)
        {
            string folder = Path.GetFullPath(nameOrFolder);
            throw new DataNotFoundException(nameOrFolder, [folder], $"No such folder: {folder}.\n{FilesNeeded(Formats.Any)}");
        }
        return LoadNamed(known ? nameOrFolder.ToLowerInvariant() : nameOrFolder);
    }

    /// The folders a name is looked for in, in order; null where TARGETPROP_DATA is not set.
    private static List<string?> Places(string name)
    {
        string? root = Environment.GetEnvironmentVariable(Variable);
        var places = new List<string?>
        {
            string.IsNullOrWhiteSpace(root) ? null : Path.GetFullPath(Path.Combine(root, name)),
            Path.GetFullPath(Path.Combine("data", name)),
        };
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string? xdgCache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string cache = !string.IsNullOrEmpty(xdgCache) ? xdgCache : Path.Combine(home, ".cache");
        foreach (string baseFolder in new[] { Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), cache })
        {
            if (string.IsNullOrEmpty(baseFolder))
                continue;
            string place = Path.GetFullPath(Path.Combine(baseFolder, "targetprop", name));
            if (!places.Contains(place))
                places.Add(place);
        }
        return places;
    }

    /// Whether `name` is a set Download can fetch (mnist, fashion-mnist).
    public static bool IsDownloadable(string name) => Catalogue.Find(name) is not null;

    /// The folder a named set is found in, looked up as Load looks it up; null when no place holds it. Reads no file.
    public static string? Locate(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Search(Names.Contains(name, StringComparer.OrdinalIgnoreCase) ? name.ToLowerInvariant() : name, out _).Folder;
    }

    /// Downloads a known set (mnist, fashion-mnist) into options.Folder or the user's cache folder targetprop/&lt;name&gt;/
    /// (the last place Load looks in), fetching only the files that folder lacks; returns the folder. Each file is
    /// verified by the checksums of its decompressed content before it is renamed into place. Failure:
    /// DataDownloadException naming the file, each URL tried and why, and where to put the files by hand.
    public static string Download(string name, DownloadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        RemoteSet set = Catalogue.Find(name)
            ?? throw new ArgumentException($"\"{name}\" cannot be downloaded; the sets that can are mnist and fashion-mnist.", nameof(name));
        options ??= new DownloadOptions();
        string folder = Path.GetFullPath(options.Folder ?? Places(set.Name)[^1]!);
        Downloader.Fetch(set, options.Mirrors ?? Catalogue.Mirrors(set), folder, options, ByHand(set.Name, folder));
        return folder;
    }

    /// The first place holding a named set, with its folder and loader; else the report of every place looked in.
    private static (string? Folder, Func<DataSet>? Load) Search(string name, out (List<string> Searched, StringBuilder Report) notFound)
    {
        Formats formats = FormatsOf(name);
        notFound = (new List<string>(), new StringBuilder($"Data set \"{name}\" not found{Nearest.Suggestion(name, Names)}. Looked in, in this order:\n"));
        var (searched, report) = notFound;
        foreach (string? place in Places(name))
        {
            if (place is null)
            {
                report.Append($"  - ${Variable}/{name}/ ({Variable} is not set)\n");
                continue;
            }
            searched.Add(place);
            if (!Directory.Exists(place))
            {
                report.Append($"  - {place} (no such folder)\n");
                continue;
            }
            var load = Find(name, place, formats, out string missing);
            if (load is not null)
                return (place, load);
            report.Append($"  - {place} (lacks {missing})\n");
        }
        return (null, null);
    }

    /// The formats a named folder is read as: CIFAR-10's, IDX for the other known names, either for any other word.
    private static Formats FormatsOf(string name) =>
        name == Cifar10 ? Formats.Cifar : Names.Contains(name) ? Formats.Idx : Formats.Any;

    /// Loads a named set from the first place holding it, or throws DataNotFoundException with every place looked in.
    private static DataSet LoadNamed(string name)
    {
        var (_, load) = Search(name, out var notFound);
        if (load is not null)
            return load();
        var (searched, report) = notFound;
        Formats formats = FormatsOf(name);
        report.Append(FilesNeeded(formats)).Append('\n');
        if (formats == Formats.Cifar)
        {
            report.Append($"Get the \"CIFAR-10 binary version (suitable for C programs)\" from {Cifar.Home} ({Cifar.Tarball}) and unpack it in "
                + $"{searched[^1]} (or in ./data/{name}/, or in {name}/ of a folder {Variable} names): "
                + $"mkdir -p \"{searched[^1]}\" && tar -xzf cifar-10-binary.tar.gz -C \"{searched[^1]}\" makes its {Cifar.SubFolder}/.");
            throw new DataNotFoundException(name, searched, report.ToString());
        }
        if (IsDownloadable(name))
            report.Append(ByHand(name, searched[^1]));
        else
            report.Append($"Known names: {string.Join(", ", Names)}; or pass a folder.\n")
                .Append($"Put them in {Path.Combine(searched[^1], "")} (or in ./data/{name}/, or set {Variable} to a folder holding {name}/).");
        throw new DataNotFoundException(name, searched, report.ToString());
    }

    /// Where to get a downloadable set's four files and where to put them (the same places Load looks in).
    private static string ByHand(string name, string cacheFolder)
    {
        RemoteSet set = Catalogue.Find(name)!;
        var text = new StringBuilder($"Get them from {set.Home} or a mirror ({string.Join(", ", set.Mirrors)}):\n");
        foreach (RemoteFile file in set.Files)
            text.Append($"  {set.Mirrors[0]}{file.Name}\n");
        text.Append($"Put them in {Path.Combine(cacheFolder, "")} (or in ./data/{name}/, or set {Variable} to a folder holding {name}/).");
        return text.ToString();
    }

    private static string FilesNeeded(Formats formats)
    {
        string idx = $"the four IDX files {string.Join(", ", s_files)} (each raw or gzip-compressed with .gz)";
        string cifar = $"six binary batch files {string.Join(", ", Cifar.Files)} (in it or in its {Cifar.SubFolder} sub-folder)";
        return formats switch
        {
            Formats.Idx => $"A data set folder holds {idx}.",
            Formats.Cifar => $"A CIFAR-10 folder holds the {cifar}.",
            _ => $"A data set folder holds {idx}, or CIFAR-10's {cifar}.",
        };
    }

    /// The loader of the set in a folder, or null with what the folder lacks: CIFAR-10 where `formats` allows it and the
    /// folder (or its cifar-10-batches-bin) holds any of its files or the name asks for it, else the four IDX files.
    private static Func<DataSet>? Find(string name, string folder, Formats formats, out string missing)
    {
        string? cifarFolder = formats.HasFlag(Formats.Cifar) ? Cifar.Locate(folder) : null;
        if (cifarFolder is not null || formats == Formats.Cifar)
        {
            string[]? batches = Cifar.FindFiles(folder, cifarFolder, out missing);
            return batches is null ? null : () => Cifar.Load(name, batches);
        }
        string[]? paths = FindFiles(folder, out missing);
        return paths is null ? null : () => LoadFolder(name, folder, paths);
    }

    /// The four files' paths in a folder (the raw name first, then .gz), or null with the missing ones named.
    private static string[]? FindFiles(string folder, out string missing)
    {
        var paths = new string[s_files.Length];
        var lacking = new List<string>();
        for (int k = 0; k < s_files.Length; k++)
        {
            string raw = Path.Combine(folder, s_files[k]);
            paths[k] = File.Exists(raw) ? raw : raw + ".gz";
            if (!File.Exists(paths[k]))
                lacking.Add(s_files[k] + "[.gz]");
        }
        missing = string.Join(", ", lacking);
        return lacking.Count == 0 ? paths : null;
    }

    private static DataSet LoadFolder(string name, string folder, string[] paths) =>
        Build(name, folder, paths, Idx.Read);

    private static DataSet LoadBundled()
    {
        var assembly = typeof(DataSets).Assembly;
        var labels = s_files.Select(f => $"bundled:{f}.gz").ToArray();
        return Build(Bundled, "bundled", labels, label =>
        {
            string resource = "TargetProp.Runtime.Data.Bundled." + label["bundled:".Length..];
            using Stream stream = assembly.GetManifestResourceStream(resource)
                ?? throw new DataFormatException(label, $"the assembly {assembly.GetName().Name} lacks the embedded resource {resource}.");
            return Idx.Read(stream, label);
        });
    }

    /// Reads and checks the four files (paths in s_files order) and scales pixels to [0,1].
    private static DataSet Build(string name, string source, string[] paths, Func<string, IdxArray> read)
    {
        // The test split is read beside the training split; its pixel count is checked against the training images' after both.
        var test = Task.Run(() => ReadSplit(paths[2], paths[3], read));
        var (trainX, trainY, features) = ReadSplit(paths[0], paths[1], read);
        var (testX, testY, testFeatures) = test.GetAwaiter().GetResult();
        if (testFeatures != features)
            DataErrors.Format(paths[2], $"expected images of {features} pixels as in the training images {paths[0]}, found {testFeatures}.");
        return new DataSet(name, source, features, Classes, trainX, trainY, testX, testY);
    }

    private static (float[] X, int[] Y, int Features) ReadSplit(
        string imagesPath, string labelsPath, Func<string, IdxArray> read)
    {
        IdxArray images = read(imagesPath);
        int[] d = images.Dimensions;
        if (d.Length != 3)
            DataErrors.Format(imagesPath, $"expected images with 3 dimensions [count, rows, cols], found {d.Length}: [{string.Join(", ", d)}].");
        int features = d[1] * d[2];
        IdxArray labels = read(labelsPath);
        if (labels.Dimensions.Length != 1)
            DataErrors.Format(labelsPath, $"expected labels with 1 dimension [count], found {labels.Dimensions.Length}: [{string.Join(", ", labels.Dimensions)}].");
        if (labels.Data.Length != d[0])
            DataErrors.Format(labelsPath, $"expected one label per image of {imagesPath} ({d[0]:N0}), found {labels.Data.Length:N0} labels.");

        var y = new int[labels.Data.Length];
        for (int i = 0; i < y.Length; i++)
        {
            byte label = labels.Data[i];
            if (label >= Classes)
                DataErrors.Format(labelsPath, $"expected labels 0 to {Classes - 1}, found {label} at index {i}.");
            y[i] = label;
        }

        // x = pixel / 255, by a 256-entry table of k / 255f (exactly the quotient, so 255 → 1). Not TensorPrimitives:
        // its ConvertTruncating<byte, float> takes the generic scalar path here (1.2 s for MNIST's 47M pixels, against ~50 ms).
        // Most of the time here is the first touch of the fresh 188 MB array (page faults), so large arrays go in
        // chunks across the cores.
        var x = GC.AllocateUninitializedArray<float>(images.Data.Length);
        byte[] pixels = images.Data;
        const int Chunk = 1 << 20;
        Parallel.For(0, (x.Length + Chunk - 1) / Chunk, c =>
        {
            ReadOnlySpan<float> scale = s_pixelScale;
            int end = Math.Min(x.Length, (c + 1) * Chunk);
            for (int i = c * Chunk; i < end; i++)
                x[i] = scale[pixels[i]];
        });
        return (x, y, features);
    }
}
