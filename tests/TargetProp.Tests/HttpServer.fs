/// A minimal HTTP/1.1 file server on 127.0.0.1 for the download tests, with the faults a real server shows: a response
/// cut short, no Range support, silence. One request per connection (Connection: close), so every fault is exact.
module TargetProp.Tests.HttpServer

open System
open System.Collections.Concurrent
open System.IO
open System.Net
open System.Net.Sockets
open System.Text
open System.Threading
open System.Threading.Tasks

/// What goes wrong with the responses.
type Fault =
    | NoFault
    /// The first response to each path sends this many body bytes of its Content-Length, then closes the connection.
    | CutFirst of bytes: int64
    /// Every response sends its headers and this many body bytes, then nothing, until the server stops.
    | StallAfter of bytes: int64
    /// The server accepts the connection and never answers.
    | Silent

/// A request as the server saw it: the path and the first byte of a Range header, if any.
type Request =
    { Path: string
      RangeFrom: int64 option }

/// Serves `files` (path → bytes, e.g. "/mnist/train-labels-idx1-ubyte.gz"); answers a Range request with 206 when
/// `ranges`, with the whole file (200) when not; 404 for any other path.
type Server(files: Map<string, byte[]>, ranges: bool, fault: Fault) =
    let listener = new TcpListener(IPAddress.Loopback, 0)
    do listener.Start()
    let stop = new CancellationTokenSource()
    let requests = ConcurrentQueue<Request>()
    let served = ConcurrentDictionary<string, int>()

    /// Reads the request head up to its blank line.
    let readHead (stream: NetworkStream) =
        let head = StringBuilder()
        let one = Array.zeroCreate<byte> 1

        while not (head.ToString().EndsWith "\r\n\r\n") && stream.Read(one, 0, 1) = 1 do
            head.Append(char one[0]) |> ignore

        head.ToString().Split("\r\n")

    /// Answers one connection.
    let answer (client: TcpClient) =
        task {
            use client = client
            use stream = client.GetStream()
            let lines = readHead stream
            let path = (lines[0].Split ' ')[1]

            let rangeFrom =
                lines
                |> Array.tryFind (fun l -> l.StartsWith("Range:", StringComparison.OrdinalIgnoreCase))
                |> Option.map (fun l -> int64 (l.Substring(l.IndexOf('=') + 1).TrimEnd('-')))

            requests.Enqueue { Path = path; RangeFrom = rangeFrom }
            let nth = served.AddOrUpdate(path, 1, fun _ n -> n + 1)

            let send (text: string) =
                stream.Write(Encoding.ASCII.GetBytes text)

            match fault, Map.tryFind path files with
            | Silent, _ -> do! Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(fun (_: Task) -> ())
            | _, None -> send "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            | _, Some bytes when ranges && defaultArg rangeFrom 0L >= bytes.LongLength ->
                send (
                    sprintf
                        "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */%d\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        bytes.Length
                )
            | _, Some bytes ->
                let from = if ranges then defaultArg rangeFrom 0L else 0L
                let body = bytes[int from ..]

                if from > 0L then
                    send (
                        sprintf
                            "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes %d-%d/%d\r\n"
                            from
                            (bytes.Length - 1)
                            bytes.Length
                    )
                else
                    send "HTTP/1.1 200 OK\r\n"

                send (
                    sprintf
                        "Content-Length: %d\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
                        body.Length
                )

                match fault with
                | CutFirst n when nth = 1 -> stream.Write(body, 0, int (min n body.LongLength))
                | StallAfter n ->
                    stream.Write(body, 0, int (min n body.LongLength))
                    stream.Flush()
                    do! Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(fun (_: Task) -> ())
                | _ -> stream.Write(body)

            stream.Flush()
        }

    let accept =
        task {
            try
                while not stop.IsCancellationRequested do
                    let! client = listener.AcceptTcpClientAsync(stop.Token)

                    Task.Run(fun () -> (answer client :> Task).ContinueWith(fun (_: Task) -> ()))
                    |> ignore
            with _ when stop.IsCancellationRequested ->
                ()
        }

    /// The root URL, "http://127.0.0.1:PORT/".
    member _.Url =
        sprintf "http://127.0.0.1:%d/" (listener.LocalEndpoint :?> IPEndPoint).Port

    /// Every request so far, in the order they arrived.
    member _.Requests = List.ofSeq requests

    interface IDisposable with
        member _.Dispose() =
            stop.Cancel()
            listener.Stop()
            accept.Wait()

/// The four files of a shared data set (TARGETPROP_DATA/<name>/) as the server paths /<name>/<file>, or None when
/// TARGETPROP_DATA is not set or lacks the set.
let sharedSet (name: string) =
    let root = Environment.GetEnvironmentVariable "TARGETPROP_DATA"

    let folder =
        if String.IsNullOrEmpty root then
            ""
        else
            Path.Combine(root, name)

    let files =
        [ "train-images-idx3-ubyte.gz"
          "train-labels-idx1-ubyte.gz"
          "t10k-images-idx3-ubyte.gz"
          "t10k-labels-idx1-ubyte.gz" ]

    if
        folder = ""
        || not (files |> List.forall (fun f -> File.Exists(Path.Combine(folder, f))))
    then
        None
    else
        Some(
            files
            |> List.map (fun f -> sprintf "/%s/%s" name f, File.ReadAllBytes(Path.Combine(folder, f)))
            |> Map.ofList
        )
