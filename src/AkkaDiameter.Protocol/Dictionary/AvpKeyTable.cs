using System.Numerics;

namespace AkkaDiameter.Protocol.Dictionary;

/// <summary>
/// Definitions by (code, vendor): an open-addressed table a quarter full, hashed by one multiplication. Every AVP of
/// every received message is looked up here while it is read; a FrozenDictionary of the same keys took three times as
/// long per lookup in the node's profile.
/// </summary>
internal sealed class AvpKeyTable
{
    private readonly ulong[] _keys;
    private readonly AvpDefinition?[] _definitions;
    private readonly int _shift;

    public AvpKeyTable(IReadOnlyCollection<AvpDefinition> definitions)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, definitions.Count * 4));
        _keys = new ulong[size];
        _definitions = new AvpDefinition?[size];
        _shift = 64 - BitOperations.Log2((uint)size);
        foreach (var d in definitions)
        {
            var key = AvpDefinition.KeyOf(d.Code, d.VendorId);
            var i = Slot(key);
            while (_definitions[i] is { } taken)
            {
                if (_keys[i] == key) throw new ArgumentException($"{d} and {taken} have the same code and vendor", nameof(definitions));
                i = (i + 1) & (size - 1);
            }
            (_keys[i], _definitions[i]) = (key, d);
        }
    }

    // Fibonacci hashing: the top bits of key × 2^64/φ spread consecutive codes over the table.
    private int Slot(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);

    /// <summary>The definition with this key, or null.</summary>
    public AvpDefinition? Find(ulong key)
    {
        var mask = _definitions.Length - 1;
        for (var i = Slot(key); ; i = (i + 1) & mask)
        {
            var d = _definitions[i];
            if (d is null || _keys[i] == key) return d;
        }
    }
}
