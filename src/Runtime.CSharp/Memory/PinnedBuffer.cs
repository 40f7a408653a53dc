using System.Runtime.CompilerServices;

namespace TargetProp.Runtime;

/// A float buffer on the pinned object heap, 64-byte aligned, grown (never shrunk) on demand: the
/// packing buffers are allocated once and reused, so steady-state calls allocate nothing.
internal sealed unsafe class PinnedBuffer
{
    private float[]? _array;
    public float* Pointer { get; private set; }

    public void Ensure(long floats)
    {
        if (_array is not null && _array.Length - 16 >= floats) return;
        _array = GC.AllocateUninitializedArray<float>(checked((int)floats + 16), pinned: true);
        Pointer = (float*)(((nint)Unsafe.AsPointer(ref _array[0]) + 63) & ~(nint)63);
    }
}
