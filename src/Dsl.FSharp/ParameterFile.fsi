namespace TargetProp.Dsl

/// A parameter file that cannot be used: damaged, not a parameter file, or of a model of other shapes.
exception ParameterFileException of string

/// A model's parameters (Parameters: weights as [out × in]) in a file of their own, apart from a run's checkpoint:
///   "TPPARAM" 0 | u32 version | u32 count | count × (u16 name length | name (UTF-8) | u32 values | float32 values)
///   | u32 CRC-32 of every byte before it
/// Names as in checkpoints: W1, b1, V2, c2, A, U1, E3, e3, D3, d3. Written through a temporary file and a rename.
module ParameterFile =
    /// The format this library writes and reads.
    val version: int

    /// Writes p to path (the model gives the names and order of its parameters).
    val save: path: string -> m: Model -> p: Parameters -> unit

    /// Reads the parameters of m from path, every array's length checked against m's shapes and the checksum against
    /// the bytes; a ParameterFileException names what is wrong.
    val load: path: string -> m: Model -> Parameters

    /// The parameters held by a run's checkpoint (Checkpoint) of model m: its weights as they stood when it was
    /// written. A CheckpointException says why a file cannot be read or is of another model.
    val fromCheckpoint: path: string -> m: Model -> Parameters
