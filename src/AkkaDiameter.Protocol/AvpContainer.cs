using System.Net;
using AkkaDiameter.Protocol.DataTypes;
using AkkaDiameter.Protocol.Dictionary;

namespace AkkaDiameter.Protocol;

/// <summary>
/// What a message and a Grouped AVP share: a list of AVPs read by name with typed getters and built by name with
/// typed values. Names resolve through the dictionary to (code, vendor).
/// <code>
/// ulr.Add("User-Name", "001010000000001")
///    .Add("RAT-Type", "EUTRAN")
///    .AddGroup("Vendor-Specific-Application-Id", g => g.Add("Vendor-Id", 10415u).Add("Auth-Application-Id", 16777251u));
/// var imsi = ulr.GetString("User-Name");
/// var vendor = ulr.GetGroup("Vendor-Specific-Application-Id").GetUInt32("Vendor-Id");
/// </code>
/// </summary>
/// <typeparam name="TSelf">The concrete type, so that Add chains keep it.</typeparam>
public abstract class AvpContainer<TSelf> where TSelf : AvpContainer<TSelf>
{
    /// <summary>The dictionary names resolve through.</summary>
    public abstract DiameterDictionary Dictionary { get; }

    /// <summary>The AVP list itself.</summary>
    protected abstract List<Avp> Items { get; }

    /// <summary>Called after the list changed.</summary>
    protected virtual void OnChanged() { }

    /// <summary>How error messages name this container.</summary>
    protected abstract string Describe { get; }

    /// <summary>The AVPs in order.</summary>
    public IReadOnlyList<Avp> Avps => Items;

    // ---- reading ------------------------------------------------------------------------------------------------

    /// <summary>The first AVP with this code and vendor, or null.</summary>
    public Avp? Find(uint code, uint vendorId = 0) => FindFirst(code, vendorId);

    /// <summary>How <see cref="Find(uint, uint)"/> looks: through <see cref="Items"/> unless the container knows a
    /// cheaper way (a received message reads its AVPs from the frame until the list is asked for).</summary>
    protected virtual Avp? FindFirst(uint code, uint vendorId)
    {
        foreach (var avp in Items)
            if (avp.Code == code && avp.VendorId == vendorId) return avp;
        return null;
    }

    /// <summary>The payload of the first AVP with this code and vendor; false when there is none. On a received
    /// message whose AVP list no one has asked for, this reads the frame and makes no object: what a node reads for
    /// every request (Destination-Host, Destination-Realm, Auth-Session-State) costs no allocation.</summary>
    public bool TryFindPayload(uint code, uint vendorId, out ReadOnlyMemory<byte> payload) => TryFindFirstPayload(code, vendorId, out payload);

    /// <summary>How <see cref="TryFindPayload"/> looks; by default the payload of what <see cref="FindFirst"/> finds.</summary>
    protected virtual bool TryFindFirstPayload(uint code, uint vendorId, out ReadOnlyMemory<byte> payload)
    {
        var avp = FindFirst(code, vendorId);
        payload = avp is null ? default : avp.Data;
        return avp is not null;
    }

    /// <summary>The first AVP with this dictionary name, or null.</summary>
    /// <exception cref="DictionaryException">The dictionary has no such name.</exception>
    public Avp? Find(string name)
    {
        var def = Dictionary.GetAvp(name);
        return Find(def.Code, def.VendorId);
    }

    /// <summary>Every AVP with this dictionary name, in order.</summary>
    public IEnumerable<Avp> FindAll(string name)
    {
        var def = Dictionary.GetAvp(name);
        return Items.Where(a => a.Code == def.Code && a.VendorId == def.VendorId);
    }

    /// <summary>True when an AVP with this name is present.</summary>
    public bool Contains(string name) => Find(name) is not null;

    /// <summary>The first AVP with this name.</summary>
    /// <exception cref="AvpNotFoundException">It is absent.</exception>
    public Avp Get(string name) => Find(name) ?? throw new AvpNotFoundException(name, Describe);

    /// <summary>A Grouped AVP by name, to read its members.</summary>
    public Avp GetGroup(string name) => Get(name);
    /// <summary>Text value (UTF8String, DiameterIdentity, DiameterURI, IPFilterRule).</summary>
    public string GetString(string name) => Get(name).GetString();
    /// <summary>Unsigned32 value.</summary>
    public uint GetUInt32(string name) => Get(name).GetUInt32();
    /// <summary>Integer32 or Enumerated value.</summary>
    public int GetInt32(string name) => Get(name).GetInt32();
    /// <summary>Unsigned64 value.</summary>
    public ulong GetUInt64(string name) => Get(name).GetUInt64();
    /// <summary>Integer64 value.</summary>
    public long GetInt64(string name) => Get(name).GetInt64();
    /// <summary>Float32 value.</summary>
    public float GetFloat32(string name) => Get(name).GetFloat32();
    /// <summary>Float64 value.</summary>
    public double GetFloat64(string name) => Get(name).GetFloat64();
    /// <summary>OctetString value.</summary>
    public ReadOnlyMemory<byte> GetBytes(string name) => Get(name).GetBytes();
    /// <summary>Time value, UTC.</summary>
    public DateTime GetTime(string name) => Get(name).GetTime();
    /// <summary>Address value.</summary>
    public DiameterAddress GetAddress(string name) => Get(name).GetAddress();
    /// <summary>IPv4/IPv6 Address value.</summary>
    public IPAddress GetIPAddress(string name) => Get(name).GetIPAddress();

    /// <summary>Text value, or null when absent.</summary>
    public string? FindString(string name) => Find(name)?.GetString();
    /// <summary>Unsigned32 value, or null when absent.</summary>
    public uint? FindUInt32(string name) => Find(name)?.GetUInt32();
    /// <summary>Integer32 or Enumerated value, or null when absent.</summary>
    public int? FindInt32(string name) => Find(name)?.GetInt32();
    /// <summary>Unsigned64 value, or null when absent.</summary>
    public ulong? FindUInt64(string name) => Find(name)?.GetUInt64();

    // ---- building -----------------------------------------------------------------------------------------------

    /// <summary>Appends an AVP.</summary>
    public TSelf Add(Avp avp)
    {
        Items.Add(avp);
        OnChanged();
        return (TSelf)this;
    }

    /// <summary>Inserts an AVP at a position (e.g. Session-Id first, RFC 6733 §8.8).</summary>
    public TSelf Insert(int index, Avp avp)
    {
        Items.Insert(index, avp);
        OnChanged();
        return (TSelf)this;
    }

    /// <summary>Replaces the first AVP with the same code and vendor, or appends it.</summary>
    public TSelf Set(Avp avp)
    {
        var i = Items.FindIndex(a => a.Code == avp.Code && a.VendorId == avp.VendorId);
        if (i < 0) Items.Add(avp); else Items[i] = avp;
        OnChanged();
        return (TSelf)this;
    }

    /// <summary>Removes every AVP with this name; returns how many were removed.</summary>
    public int RemoveAll(string name)
    {
        var def = Dictionary.GetAvp(name);
        var n = Items.RemoveAll(a => a.Code == def.Code && a.VendorId == def.VendorId);
        if (n > 0) OnChanged();
        return n;
    }

    /// <summary>Adds a text value: UTF8String, DiameterIdentity, DiameterURI, IPFilterRule, OctetString (as UTF-8),
    /// Address (parsed), or the name of an Enumerated / named Unsigned32 value (<c>"NO_STATE_MAINTAINED"</c>).</summary>
    public TSelf Add(string name, string value) => Add(AvpFactory.FromString(Dictionary, Dictionary.GetAvp(name), value));
    /// <summary>Adds a signed 32-bit value to an Integer32, Enumerated, Integer64, Unsigned32 or Unsigned64 AVP.</summary>
    public TSelf Add(string name, int value) => Add(AvpFactory.FromInteger(Dictionary, Dictionary.GetAvp(name), value));
    /// <summary>Adds an unsigned 32-bit value.</summary>
    public TSelf Add(string name, uint value) => Add(AvpFactory.FromInteger(Dictionary, Dictionary.GetAvp(name), value));
    /// <summary>Adds a signed 64-bit value.</summary>
    public TSelf Add(string name, long value) => Add(AvpFactory.FromInteger(Dictionary, Dictionary.GetAvp(name), value));
    /// <summary>Adds an unsigned 64-bit value.</summary>
    public TSelf Add(string name, ulong value) => Add(AvpFactory.FromUnsigned64(Dictionary, Dictionary.GetAvp(name), value));
    /// <summary>Adds a Float32 value.</summary>
    public TSelf Add(string name, float value) => Add(AvpFactory.FromFloat(Dictionary, Dictionary.GetAvp(name), value));
    /// <summary>Adds a Float64 value.</summary>
    public TSelf Add(string name, double value) => Add(AvpFactory.FromFloat(Dictionary, Dictionary.GetAvp(name), value));
    /// <summary>Adds raw payload bytes, checked against the AVP's format.</summary>
    public TSelf Add(string name, byte[] value) => Add(name, (ReadOnlyMemory<byte>)value);
    /// <summary>Adds raw payload bytes, checked against the AVP's format.</summary>
    public TSelf Add(string name, ReadOnlyMemory<byte> value) => Add(AvpFactory.FromBytes(Dictionary, Dictionary.GetAvp(name), value));
    /// <summary>Adds an Address.</summary>
    public TSelf Add(string name, IPAddress value) => Add(AvpFactory.FromAddress(Dictionary, Dictionary.GetAvp(name), DiameterAddress.FromIPAddress(value)));
    /// <summary>Adds an Address of any family.</summary>
    public TSelf Add(string name, DiameterAddress value) => Add(AvpFactory.FromAddress(Dictionary, Dictionary.GetAvp(name), value));
    /// <summary>Adds a Time.</summary>
    public TSelf Add(string name, DateTime value) => Add(AvpFactory.FromTime(Dictionary, Dictionary.GetAvp(name), value));
    /// <summary>Adds a C# enum as its numeric value (flag enums for the *-Flags AVPs, enums for Enumerated AVPs).</summary>
    public TSelf Add(string name, Enum value) =>
        Add(AvpFactory.FromInteger(Dictionary, Dictionary.GetAvp(name), Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Adds a Grouped AVP and fills it with <paramref name="build"/>.</summary>
    public TSelf AddGroup(string name, Action<Avp> build)
    {
        var group = AvpFactory.NewGroup(Dictionary, Dictionary.GetAvp(name));
        build(group);
        return Add(group);
    }
}
