namespace TargetProp.Runtime.Data;

/// One file of a downloadable set: its name on the server and the checksums of its decompressed content.
/// The identity is the decompressed content, not the .gz bytes: mirrors re-compress (Debian's copies and the copies in
/// shared/data differ from upstream in their gzip headers), and a file is accepted whatever compressed it.
internal sealed record RemoteFile(string Name, string Sha256, string Md5);

/// A downloadable set: its name, its home page (for the message when a download fails) and the base URLs of its files,
/// tried in order.
internal sealed record RemoteSet(string Name, string Home, IReadOnlyList<string> Mirrors, IReadOnlyList<RemoteFile> Files);

/// The sets `tprop --data NAME` can fetch, with their mirrors and checksums.
internal static class Catalogue
{
    /// The environment variable naming a mirror root that replaces the built-in URLs: files are fetched from
    /// $TARGETPROP_MIRROR/&lt;name&gt;/&lt;file&gt;, the same layout as a TARGETPROP_DATA folder.
    public const string MirrorVariable = "TARGETPROP_MIRROR";

    // Checksums of the decompressed files (`zcat f | sha256sum`, `zcat f | md5sum`), the md5 sums as published with the
    // data and listed in shared/data/README.md. The upstream .gz md5 sums there are not used: a re-compressed copy of
    // the same data has other .gz bytes.
    private static readonly RemoteSet s_mnist = new(
        "mnist",
        "https://yann.lecun.com/exdb/mnist/",
        ["https://ossci-datasets.s3.amazonaws.com/mnist/",
         "https://storage.googleapis.com/cvdf-datasets/mnist/",
         "http://yann.lecun.com/exdb/mnist/"],
        [new("train-images-idx3-ubyte.gz", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", "6bbc9ace898e44ae57da46a324031adb"),
         new("train-labels-idx1-ubyte.gz", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", "a25bea736e30d166cdddb491f175f624"),
         new("t10k-images-idx3-ubyte.gz", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", "2646ac647ad5339dbf082846283269ea"),
         new("t10k-labels-idx1-ubyte.gz", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", "27ae3e4e09519cfbb04c329615203637")]);

    private static readonly RemoteSet s_fashionMnist = new(
        "fashion-mnist",
        "https://github.com/zalandoresearch/fashion-mnist",
        ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
         "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/"],
        [new("train-images-idx3-ubyte.gz", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
         new("train-labels-idx1-ubyte.gz", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", "9018921c3c673c538a1fc5bad174d6f9"),
         new("t10k-images-idx3-ubyte.gz", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", "8181f5470baa50b63fa0f6fddb340f0a"),
         new("t10k-labels-idx1-ubyte.gz", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", "15d484375f8d13e6eb1aabb0c3f46965")]);

    /// The downloadable set of this name (any case), or null.
    public static RemoteSet? Find(string name) =>
        string.Equals(name, s_mnist.Name, StringComparison.OrdinalIgnoreCase) ? s_mnist
        : string.Equals(name, s_fashionMnist.Name, StringComparison.OrdinalIgnoreCase) ? s_fashionMnist
        : null;

    /// The base URLs to fetch a set from: $TARGETPROP_MIRROR/&lt;name&gt;/ alone when the variable is set (a user behind a
    /// mirror usually cannot reach the others, and the tests must never reach them), else the set's own list.
    public static IReadOnlyList<string> Mirrors(RemoteSet set)
    {
        string? root = Environment.GetEnvironmentVariable(MirrorVariable);
        return string.IsNullOrWhiteSpace(root) ? set.Mirrors : [root.TrimEnd('/') + "/" + set.Name + "/"];
    }
}
