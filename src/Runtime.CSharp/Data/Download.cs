using System.Net;
using System.Net.Http.Headers;
using TargetProp.Runtime.Persist;

namespace TargetProp.Runtime.Data;

/// How far one file's download has got: the bytes in hand (resumed ones included) and the file's size when the server
/// said it.
/// <param name="File">The file's name on the server.</param>
/// <param name="Url">The URL it is being fetched from.</param>
/// <param name="Done">Bytes of the file in hand so far.</param>
/// <param name="Total">The file's size in bytes, or null when the server did not say it.</param>
public readonly record struct DownloadProgress(string File, string Url, long Done, long? Total);

/// The settings of a download. The defaults suit a user's machine; the tests shorten the timeout and the delays.
public sealed class DownloadOptions
{
    /// Where the files go; null: the user's cache folder targetprop/&lt;name&gt;/ (the last place DataSets.Load looks in).
    public string? Folder { get; init; }

    /// The base URLs to try in order (each file is base + file name); null: $TARGETPROP_MIRROR/&lt;name&gt;/ when set, else
    /// the set's known mirrors.
    public IReadOnlyList<string>? Mirrors { get; init; }

    /// How long the server may send nothing (no response, or no bytes of the body) before the attempt is abandoned.
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// Attempts per mirror and file; a failed attempt that got some bytes is resumed by the next. A mirror that cannot
    /// be reached at all (no such host, connection refused) is left for the next at once.
    public int Attempts { get; init; } = 4;

    /// The wait before the second attempt, doubled before each one after it (1 s: then 2 s, 4 s).
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// Called as bytes arrive (every 64 KiB read).
    public Action<DownloadProgress>? Progress { get; init; }

    /// Called with a line when an attempt fails and another follows, or a mirror is given up for the next.
    public Action<string>? Note { get; init; }
}

/// Fetches a set's files over HTTP into a folder: each into &lt;file&gt;.part, resumed with a Range request where the
/// server allows it (206) and restarted where it does not (200), retried with exponential back-off, verified by the
/// checksums of its decompressed content, then renamed into place. A file that fails its checksum is deleted, .part
/// included; a .part left by a broken connection is kept, so that the next download resumes it.
internal static class Downloader
{
    /// No automatic decompression (the .gz files are the payload) and no overall timeout: the read timeout is ours.
    private static readonly HttpClient s_client = CreateClient();

    private const int BufferSize = 1 << 16;

    /// How an attempt ended: the file is whole, another attempt may succeed, or this mirror cannot serve it.
    private enum Outcome { Whole, Retry, GiveUp }

    /// The HTTP client, with a User-Agent some servers require and 10 s to connect (a firewall that drops packets
    /// would otherwise hold each mirror for the whole read timeout).
    private static HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, ConnectTimeout = TimeSpan.FromSeconds(10) };
        var client = new HttpClient(handler)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("TargetProp.Dsl", "1.0"));
        return client;
    }

    /// The path a verified file is kept under: its server name, without ".gz" when its content is not gzip-compressed.
    private static string FinalPath(string folder, RemoteFile file, bool gzip) =>
        Path.Combine(folder, gzip || !file.Name.EndsWith(".gz", StringComparison.Ordinal) ? file.Name : file.Name[..^3]);

    /// Whether the folder already holds the file (compressed or raw), as the readers would find it.
    private static bool Present(string folder, RemoteFile file) =>
        File.Exists(FinalPath(folder, file, gzip: true)) || File.Exists(FinalPath(folder, file, gzip: false));

    /// Fetches every file of the set that the folder lacks, in the catalogue's order, stopping at the first that
    /// cannot be fetched: DataDownloadException naming it, each URL tried and why it failed, then `byHand`.
    public static void Fetch(RemoteSet set, IReadOnlyList<string> mirrors, string folder, DownloadOptions options, string byHand)
    {
        if (mirrors.Count == 0)
            throw new ArgumentException("at least one mirror is needed", nameof(mirrors));
        if (options.Attempts < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.Attempts, "Attempts must be at least 1");
        Directory.CreateDirectory(folder);
        foreach (RemoteFile file in set.Files)
        {
            if (Present(folder, file))
                continue;
            var failures = new List<string>();
            bool whole = false;
            for (int m = 0; m < mirrors.Count && !whole; m++)
            {
                string url = mirrors[m].TrimEnd('/') + "/" + file.Name;
                string? failure = Task.Run(() => FromMirror(url, folder, file, options)).GetAwaiter().GetResult();
                whole = failure is null;
                if (failure is not null)
                {
                    failures.Add($"  {url}: {failure}");
                    if (m + 1 < mirrors.Count)
                        options.Note?.Invoke($"{file.Name}: {url}: {failure}; trying {mirrors[m + 1]}");
                }
            }
            if (!whole)
                throw new DataDownloadException(set.Name, file.Name, FailureMessage(set, file, folder, failures, byHand));
        }
    }

    /// The message of a file no mirror could serve: what failed where, what was kept, and the way by hand.
    private static string FailureMessage(RemoteSet set, RemoteFile file, string folder, List<string> failures, string byHand)
    {
        string part = Path.Combine(folder, file.Name + ".part");
        string kept = File.Exists(part)
            ? $"The partial download {part} ({new FileInfo(part).Length:N0} bytes) is kept: the next download resumes it."
            : $"Nothing of {file.Name} was kept in {folder}.";
        return $"Could not download {set.Name}'s {file.Name}:\n{string.Join("\n", failures)}\n{kept}\n{byHand}";
    }

    /// Up to options.Attempts attempts at one URL with exponential back-off, then verification and the rename into
    /// place: null once the file is in place, else why this mirror failed.
    private static async Task<string?> FromMirror(string url, string folder, RemoteFile file, DownloadOptions options)
    {
        string part = Path.Combine(folder, file.Name + ".part");
        string last = "";
        for (int attempt = 1; attempt <= options.Attempts; attempt++)
        {
            if (attempt > 1)
            {
                TimeSpan delay = options.BaseDelay * Math.Pow(2, attempt - 2);
                options.Note?.Invoke($"{file.Name}: {last}; attempt {attempt} of {options.Attempts} in {delay.TotalSeconds:0.##} s");
                await Task.Delay(delay);
            }
            var (outcome, problem, spliced) = await Attempt(url, part, file, options);
            if (outcome == Outcome.GiveUp)
                return problem;
            if (outcome == Outcome.Retry)
            {
                last = problem;
                continue;
            }
            string? refusal = Verify(part, folder, file);
            if (refusal is null)
                return null;
            // A file joined from two responses may join two different compressions of the same data: fetched whole
            // once more. A file fetched in one piece is what this mirror serves.
            if (!spliced)
                return refusal;
            last = refusal;
        }
        return $"{last} (after {options.Attempts} attempts)";
    }

    /// Checks the .part's decompressed content and renames it into place (null), or deletes it and says why.
    private static string? Verify(string part, string folder, RemoteFile file)
    {
        ContentHash? hash = ContentHash.Of(part, out string? problem);
        if (hash is { } h && h.Sha256 == file.Sha256 && h.Md5 == file.Md5)
        {
            File.Move(part, FinalPath(folder, file, h.Gzip), overwrite: true);
            DurableFile.FlushFolder(folder);
            return null;
        }
        File.Delete(part);
        return hash is { } got
            ? $"corrupt: its content has sha256 {got.Sha256} (md5 {got.Md5}), expected sha256 {file.Sha256} (md5 {file.Md5}); deleted"
            : $"corrupt: {problem}; expected content of sha256 {file.Sha256} (md5 {file.Md5}); deleted";
    }

    /// One request: resumes the .part with a Range request when it holds bytes, appends what a 206 sends or rewrites it
    /// from what a 200 sends, and gives up the attempt when the server is silent for options.ReadTimeout. Returns how it
    /// ended, why when it failed, and whether the .part now joins bytes of two responses.
    private static async Task<(Outcome, string, bool)> Attempt(string url, string part, RemoteFile file, DownloadOptions options)
    {
        long have = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (have > 0)
            request.Headers.Range = new RangeHeaderValue(have, null);
        using var silence = new CancellationTokenSource(options.ReadTimeout);
        string seconds = $"{options.ReadTimeout.TotalSeconds:0.##} s";
        HttpResponseMessage response;
        try
        {
            response = await s_client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, silence.Token);
        }
        catch (OperationCanceledException) when (silence.IsCancellationRequested)
        {
            return (Outcome.Retry, $"timed out: no response within {seconds}", false);
        }
        // A host that cannot be resolved or reached is given up for the next mirror at once: retries are for transfers
        // that break and servers that fail for a moment, and an offline machine should hear so in seconds, not minutes.
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError)
        {
            return (Outcome.GiveUp, $"cannot connect ({e.Message})", false);
        }
        catch (HttpRequestException e)
        {
            return (Outcome.Retry, $"no response ({e.Message})", false);
        }
        using (response)
        {
            long? total;
            bool append;
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent when response.Content.Headers.ContentRange?.From == have:
                    total = response.Content.Headers.ContentRange.Length;
                    append = true;
                    break;
                case HttpStatusCode.PartialContent:
                    File.Delete(part);
                    return (Outcome.Retry, $"the server resumed at byte {response.Content.Headers.ContentRange?.From} instead of {have}", false);
                case HttpStatusCode.OK:
                    if (have > 0)
                        options.Note?.Invoke($"{file.Name}: {url} does not resume downloads; starting again from byte 0");
                    total = response.Content.Headers.ContentLength;
                    append = false;
                    have = 0;
                    break;
                case HttpStatusCode.RequestedRangeNotSatisfiable:
                    File.Delete(part);
                    return (Outcome.Retry, $"the partial download ({have:N0} bytes) is longer than the server's file; starting again", false);
                case HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError:
                    return (Outcome.Retry, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", false);
                default:
                    return (Outcome.GiveUp, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", false);
            }
            long done = have;
            // Not shared: a second process fetching the same file fails here, naming the .part, rather than interleaving.
            await using var output = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None);
            try
            {
                await using Stream body = await response.Content.ReadAsStreamAsync(silence.Token);
                var buffer = new byte[BufferSize];
                while (true)
                {
                    silence.CancelAfter(options.ReadTimeout);
                    int n = await body.ReadAsync(buffer, silence.Token);
                    if (n == 0)
                        break;
                    await output.WriteAsync(buffer.AsMemory(0, n));
                    done += n;
                    options.Progress?.Invoke(new DownloadProgress(file.Name, url, done, total));
                }
                output.Flush(flushToDisk: true);
            }
            catch (OperationCanceledException) when (silence.IsCancellationRequested)
            {
                return (Outcome.Retry, $"timed out: no data for {seconds} after {done:N0}{Of(total)} bytes", false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                return (Outcome.Retry, $"the connection broke after {done:N0}{Of(total)} bytes ({e.Message})", false);
            }
            if (total is { } size && done < size)
                return (Outcome.Retry, $"the server sent {done:N0} of {size:N0} bytes", false);
            return (Outcome.Whole, "", append);
        }
    }

    /// " of N" when the size is known.
    private static string Of(long? total) => total is { } t ? $" of {t:N0}" : "";
}
