using Microsoft.FSharp.Collections;
using FS = TargetProp.Dsl;

namespace TargetProp.CSharp;

/// <summary>Run logs and figures (the F# <see cref="FS.Report"/>): one JSON object per epoch, and PNG plots of runs' folders.</summary>
public static class RunLog
{
    /// <summary>One epoch as a JSON object with tprop's stable field names (epoch, train_loss, train_error, test_error, …).</summary>
    /// <param name="run">The run.</param>
    /// <param name="net">The network's name, for the log.</param>
    /// <param name="epoch">The epoch's metrics.</param>
    public static string JsonLine(TrainedRun run, string net, EpochMetrics epoch)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(epoch);
        return FS.Report.jsonLine(run.Value.Model.Rule.Name, net, run.DataName, run.Value.Config, epoch.Value);
    }

    /// <summary>Appends a line to a log (metrics.jsonl), creating it if needed; the line is written whole and flushed.</summary>
    /// <param name="path">The log file.</param>
    /// <param name="line">The line.</param>
    public static void Append(string path, string line) => FS.Report.append(path, line);

    /// <summary>A PNG figure of the runs whose metrics.jsonl are in these folders: error and loss per epoch, diagnostics per layer.</summary>
    /// <param name="output">The PNG file.</param>
    /// <param name="folders">The runs' folders.</param>
    public static void Plot(string output, IEnumerable<string> folders) => FS.Report.plot(output, ListModule.OfSeq(folders));
}
