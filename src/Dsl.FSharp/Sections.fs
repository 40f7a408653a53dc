namespace TargetProp.Dsl

open System
open System.IO
open System.IO.Hashing
open System.Text

/// The container of checkpoints and parameter files:
///   magic (8 bytes) | u32 version | u32 sections | sections
///   section: u16 name length | name (UTF-8) | u64 payload length | payload | u32 CRC-32 of name and payload
/// CRC-32 is IEEE 802.3's (System.IO.Hashing.Crc32; the library has no CRC-32C, and a hand-written one is not worth
/// the risk: both catch every burst of up to 32 flipped bits and all but 2⁻³² of other damage).
module internal Sections =
    /// CRC-32 of a section's name and payload.
    let private checksum (name: byte[]) (payload: byte[]) =
        let crc = Crc32()
        crc.Append(ReadOnlySpan name)
        crc.Append(ReadOnlySpan payload)
        crc.GetCurrentHashAsUInt32()

    /// Writes the container to `stream`.
    let write (stream: Stream) (magic: byte[]) (version: int) (sections: (string * byte[]) list) =
        use w = new BinaryWriter(stream, Encoding.UTF8, true)
        w.Write magic
        w.Write(uint32 version)
        w.Write(uint32 sections.Length)

        for name, payload in sections do
            let nameBytes = Encoding.UTF8.GetBytes name
            w.Write(uint16 nameBytes.Length)
            w.Write nameBytes
            w.Write(uint64 payload.Length)
            w.Write payload
            w.Write(checksum nameBytes payload)

    /// One section's name and payload, its lengths checked against what is left of the file and against `expected`
    /// (the payload length the reader needs, given the name; Some -1 for any; None for a name it does not know)
    /// before the payload is read, and its CRC after. `fail` makes the exception of a message.
    let read (path: string) (r: BinaryReader) (expected: string -> int64 option) (fail: string -> exn) =
        let failf fmt = Printf.kprintf (fail >> raise) fmt

        let left () =
            r.BaseStream.Length - r.BaseStream.Position

        if left () < 2L then
            failf "%s is cut short: it ends before its next section; the file is damaged" path

        let nameLength = int (r.ReadUInt16())

        if nameLength = 0 || nameLength > 256 || int64 nameLength + 12L > left () then
            failf "%s is damaged: a section name of %d bytes does not fit the file" path nameLength

        let nameBytes = r.ReadBytes nameLength

        let name =
            try
                Encoding.UTF8.GetString nameBytes
            with _ ->
                "?"

        let length = r.ReadUInt64()

        if length > uint64 (left () - 4L) then
            failf
                "%s is damaged in section \"%s\": it claims %d bytes, but only %d are left in the file"
                path
                name
                length
                (left () - 4L)

        match expected name with
        | Some n when n >= 0L && int64 length <> n ->
            failf
                "%s: section \"%s\" holds %d bytes where the model needs %d: the file is damaged, or was written for a model of other shapes"
                path
                name
                length
                n
        | None ->
            failf
                "%s holds a section \"%s\" this model does not have: the file is damaged, or was written for a model of other shapes"
                path
                name
        | _ -> ()

        let payload = r.ReadBytes(int length)

        if checksum nameBytes payload <> r.ReadUInt32() then
            failf "%s is damaged in section \"%s\": its checksum (CRC-32) does not match" path name

        name, payload

    /// Checks a container's magic and version (`describe` names what the file should be), and returns its section count.
    let open' (path: string) (r: BinaryReader) (magic: byte[]) (version: int) (describe: string) (fail: string -> exn) =
        let failf fmt = Printf.kprintf (fail >> raise) fmt

        if r.BaseStream.Length < 16L then
            failf "%s is too short to be %s (%d bytes)" path describe r.BaseStream.Length

        if r.ReadBytes 8 <> magic then
            failf
                "%s is not %s (its first bytes are not %s)"
                path
                describe
                (Encoding.ASCII.GetString(magic).TrimEnd('\000'))

        let v = int (r.ReadUInt32())

        if v > version then
            failf
                "%s was written in format %d by a newer TargetProp; this one reads format %d and older: upgrade to read it"
                path
                v
                version

        if v < 1 then
            failf "%s is damaged: format version %d" path v

        int (r.ReadUInt32())
