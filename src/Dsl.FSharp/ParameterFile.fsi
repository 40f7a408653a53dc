namespace TargetProp.Dsl

/// A parameter file that cannot be used: damaged, not a parameter file, or of a model of other shapes.
exception ParameterFileException of string

/// A model's parameters (Parameters: weights as [out × in]) in a file of their own, apart from a run's checkpoint: the
/// checkpoints' container (a section per array, each with its length and CRC-32) with the magic "TPPARAM" 0, a section
/// named as in checkpoints (W1, b1, V2, c2, A, U1, E3, e3, D3, d3) holding the array's float32 values. Written through
/// a temporary file, fsync and a rename.
module ParameterFile =
    /// The format this library writes and reads.
    val version: int

    /// Writes p to path (the model gives the names and order of its parameters).
    val save: path: string -> m: Model -> p: Parameters -> unit

    /// Reads the parameters of m from path, every array's length checked against m's shapes before it is read and its
    /// checksum after; a ParameterFileException names what is wrong.
    val load: path: string -> m: Model -> Parameters

    /// The parameters held by a run's checkpoint (Checkpoint) of model m: its weights as they stood when it was
    /// written. A CheckpointException says why a file cannot be read or is of another model.
    val fromCheckpoint: path: string -> m: Model -> Parameters
