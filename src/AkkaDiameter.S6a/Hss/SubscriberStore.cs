using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace AkkaDiameter.S6a.Hss;

/// <summary>
/// The HSS's subscriber database in SQLite: subscribers (keys, SQN, profile) and registrations (serving MME). The
/// schema is created and migrated at open (PRAGMA user_version). Every change is committed before the answer that
/// depends on it is sent, so a restarted HSS keeps its SQNs (no vector is ever repeated) and its registrations.
/// Calls are synchronous and serialised on one connection: SQLite's own model, a few microseconds each on a local
/// file.
/// </summary>
public sealed class SubscriberStore : IDisposable
{
    private const int SchemaVersion = 1;
    private readonly SqliteConnection _db;
    private readonly object _lock = new();

    private SubscriberStore(SqliteConnection db) => _db = db;

    /// <summary>Opens (creating and migrating) the database at <paramref name="path"/>; ":memory:" for a private
    /// in-memory one.</summary>
    public static SubscriberStore Open(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        db.Open();
        var store = new SubscriberStore(db);
        store.Migrate();
        return store;
    }

    private void Migrate()
    {
        var version = Convert.ToInt32(Scalar("PRAGMA user_version"));
        if (version > SchemaVersion) throw new InvalidOperationException($"the database has schema version {version}; this HSS knows up to {SchemaVersion}");
        Execute("PRAGMA journal_mode = WAL");
        Execute("PRAGMA synchronous = NORMAL");
        if (version < 1)
        {
            Execute("""
                CREATE TABLE IF NOT EXISTS subscriber (
                  imsi TEXT PRIMARY KEY, k BLOB NOT NULL, opc BLOB NOT NULL, amf BLOB NOT NULL, sqn INTEGER NOT NULL,
                  msisdn TEXT, profile TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS registration (
                  imsi TEXT PRIMARY KEY REFERENCES subscriber(imsi), mme_host TEXT NOT NULL, mme_realm TEXT NOT NULL,
                  purged INTEGER NOT NULL DEFAULT 0, since TEXT NOT NULL);
                PRAGMA user_version = 1;
                """);
        }
    }

    /// <summary>Adds a subscriber or changes its keys and profile. SQN never goes back: it becomes the larger of the
    /// stored and the given one, so re-provisioning at every start does not replay vectors (TS 33.102 §6.3.2).
    /// Returns true when the subscriber existed and its profile changed.</summary>
    public bool Upsert(Subscriber s)
    {
        lock (_lock)
        {
            var before = FindLocked(s.Imsi);
            using var cmd = Command("""
                INSERT INTO subscriber (imsi, k, opc, amf, sqn, msisdn, profile) VALUES ($imsi, $k, $opc, $amf, $sqn, $msisdn, $profile)
                ON CONFLICT(imsi) DO UPDATE SET k = excluded.k, opc = excluded.opc, amf = excluded.amf,
                  sqn = MAX(subscriber.sqn, excluded.sqn), msisdn = excluded.msisdn, profile = excluded.profile
                """);
            cmd.Parameters.AddWithValue("$imsi", s.Imsi);
            cmd.Parameters.AddWithValue("$k", s.K);
            cmd.Parameters.AddWithValue("$opc", s.Opc);
            cmd.Parameters.AddWithValue("$amf", s.Amf);
            cmd.Parameters.AddWithValue("$sqn", (long)s.Sqn);
            cmd.Parameters.AddWithValue("$msisdn", (object?)s.Msisdn ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$profile", JsonSerializer.Serialize(Profile.Of(s)));
            cmd.ExecuteNonQuery();
            return before is not null && ProfileChanged(before, s);
        }
    }

    private static bool ProfileChanged(Subscriber a, Subscriber b) =>
        a.Msisdn != b.Msisdn || JsonSerializer.Serialize(Profile.Of(a)) != JsonSerializer.Serialize(Profile.Of(b));

    /// <summary>The subscriber, or null for an unknown IMSI.</summary>
    public Subscriber? Find(string imsi)
    {
        lock (_lock) return FindLocked(imsi);
    }

    /// <summary>Every subscriber, by IMSI.</summary>
    public IReadOnlyList<Subscriber> List()
    {
        lock (_lock)
        {
            using var cmd = Command("SELECT imsi, k, opc, amf, sqn, msisdn, profile FROM subscriber ORDER BY imsi");
            using var r = cmd.ExecuteReader();
            var list = new List<Subscriber>();
            while (r.Read()) list.Add(Read(r));
            return list;
        }
    }

    /// <summary>Takes the next <paramref name="count"/> SQNs for new vectors and stores the last, in one transaction.
    /// With <paramref name="resyncFrom"/> (SQN_MS from a verified AUTS) the sequence restarts after it (TS 33.102
    /// §6.3.5). Null for an unknown IMSI.</summary>
    public IReadOnlyList<ulong>? TakeSqns(string imsi, int count, ulong? resyncFrom = null)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            var current = Scalar("SELECT sqn FROM subscriber WHERE imsi = $imsi", ("$imsi", imsi), tx);
            if (current is null) return null;
            var sqn = resyncFrom ?? (ulong)(long)current;
            var taken = new List<ulong>(count);
            for (var i = 0; i < count; i++)
            {
                sqn = Security.AuthenticationVectors.Next(sqn);
                taken.Add(sqn);
            }
            Execute("UPDATE subscriber SET sqn = $sqn WHERE imsi = $imsi", tx, ("$sqn", (long)sqn), ("$imsi", imsi));
            tx.Commit();
            return taken;
        }
    }

    /// <summary>Records <paramref name="mmeHost"/> as serving the subscriber and returns the registration it
    /// replaces (null when there was none or it was the same MME).</summary>
    public Registration? Register(string imsi, string mmeHost, string mmeRealm)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            var previous = RegistrationLocked(imsi, tx);
            Execute("""
                INSERT INTO registration (imsi, mme_host, mme_realm, purged, since) VALUES ($imsi, $host, $realm, 0, $since)
                ON CONFLICT(imsi) DO UPDATE SET mme_host = excluded.mme_host, mme_realm = excluded.mme_realm, purged = 0, since = excluded.since
                """, tx, ("$imsi", imsi), ("$host", mmeHost), ("$realm", mmeRealm), ("$since", DateTimeOffset.UtcNow.ToString("O")));
            tx.Commit();
            return previous is not null && !string.Equals(previous.MmeHost, mmeHost, StringComparison.OrdinalIgnoreCase) && !previous.Purged
                ? previous : null;
        }
    }

    /// <summary>PUR (TS 29.272 §5.2.3.1.3): marks the UE purged when <paramref name="mmeHost"/> is its serving MME;
    /// false otherwise (the MME is not the registered one: the HSS keeps the registration).</summary>
    public bool Purge(string imsi, string mmeHost)
    {
        lock (_lock)
        {
            return Execute("UPDATE registration SET purged = 1 WHERE imsi = $imsi AND mme_host = $host COLLATE NOCASE", null,
                ("$imsi", imsi), ("$host", mmeHost)) > 0;
        }
    }

    /// <summary>Forgets a registration (after a successful CLR to that MME, or for tests).</summary>
    public void Deregister(string imsi, string mmeHost)
    {
        lock (_lock) Execute("DELETE FROM registration WHERE imsi = $imsi AND mme_host = $host COLLATE NOCASE", null, ("$imsi", imsi), ("$host", mmeHost));
    }

    /// <summary>The subscriber's registration, or null.</summary>
    public Registration? FindRegistration(string imsi)
    {
        lock (_lock) return RegistrationLocked(imsi, null);
    }

    private Registration? RegistrationLocked(string imsi, SqliteTransaction? tx)
    {
        using var cmd = Command("SELECT mme_host, mme_realm, purged, since FROM registration WHERE imsi = $imsi", tx);
        cmd.Parameters.AddWithValue("$imsi", imsi);
        using var r = cmd.ExecuteReader();
        return r.Read() ? new Registration(imsi, r.GetString(0), r.GetString(1), r.GetInt64(2) != 0, DateTimeOffset.Parse(r.GetString(3))) : null;
    }

    private Subscriber? FindLocked(string imsi)
    {
        using var cmd = Command("SELECT imsi, k, opc, amf, sqn, msisdn, profile FROM subscriber WHERE imsi = $imsi");
        cmd.Parameters.AddWithValue("$imsi", imsi);
        using var r = cmd.ExecuteReader();
        return r.Read() ? Read(r) : null;
    }

    private static Subscriber Read(SqliteDataReader r)
    {
        var p = JsonSerializer.Deserialize<Profile>(r.GetString(6))!;
        return new Subscriber(r.GetString(0), (byte[])r[1], (byte[])r[2], (byte[])r[3], (ulong)r.GetInt64(4),
            r.IsDBNull(5) ? null : r.GetString(5), p.Apns, p.AmbrUl, p.AmbrDl, p.AccessRestrictions, p.RoamingAllowed, p.HomePlmn, p.EpsSubscription);
    }

    /// <summary>The profile part, stored as JSON: it grows with the subscription data without schema changes.</summary>
    private sealed record Profile(List<ApnProfile> Apns, uint AmbrUl, uint AmbrDl, AccessRestriction AccessRestrictions,
        bool RoamingAllowed, string HomePlmn, bool EpsSubscription)
    {
        public static Profile Of(Subscriber s) =>
            new(s.Apns.ToList(), s.AmbrUl, s.AmbrDl, s.AccessRestrictions, s.RoamingAllowed, s.HomePlmn, s.EpsSubscription);
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx = null)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    private int Execute(string sql, SqliteTransaction? tx = null, params (string Name, object Value)[] args)
    {
        using var cmd = Command(sql, tx);
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        return cmd.ExecuteNonQuery();
    }

    private object? Scalar(string sql, (string Name, object Value)? arg = null, SqliteTransaction? tx = null)
    {
        using var cmd = Command(sql, tx);
        if (arg is { } a) cmd.Parameters.AddWithValue(a.Name, a.Value);
        return cmd.ExecuteScalar();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock) _db.Dispose();
    }
}
