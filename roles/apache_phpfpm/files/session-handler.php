<?php
// Managed by Ansible (hastack.web.apache_phpfpm): PHP sessions kept in the database, so a
// session outlives the web server that started it. Loaded before every script
// (auto_prepend_file) when apache_phpfpm_session_store is "database"; it only registers
// the handler: nothing connects until a script starts a session.
//
// Each request holds its session row locked from session_start() until the session is
// written or closed (SELECT ... FOR UPDATE inside a transaction), as PHP's files handler
// holds a file lock: two requests of one session never overwrite each other. Every
// statement of a session runs inside that transaction, so ProxySQL keeps all of them on the
// writer (transaction_persistent): a reader that has not applied the last write yet is
// never asked.

final class HastackDatabaseSessionHandler implements SessionHandlerInterface, SessionUpdateTimestampHandlerInterface
{
    private const CONFIG = '/etc/hastack/session-database.json';
    private const NO_SUCH_TABLE = 1146;

    private ?mysqli $link = null;
    private string $table = 'hastack_sessions';
    private ?string $lockedId = null;
    private ?string $lockedData = null;
    private bool $tableCreated = false;

    public function open(string $path, string $name): bool
    {
        $this->link = $this->connect();
        return $this->link !== null;
    }

    public function close(): bool
    {
        if ($this->link !== null) {
            $this->finish();
            $this->link->close();
            $this->link = null;
        }
        return true;
    }

    // Strict mode (session.use_strict_mode): PHP adopts a session id the client sent only
    // when it exists and has not expired. The row is locked here, and read() reuses it.
    public function validateId(string $id): bool
    {
        return is_string($this->lock($id));
    }

    public function read(string $id): string|false
    {
        if ($this->lockedId !== $id) {
            $this->finish();
            if ($this->lock($id) === false) {
                return false;
            }
        }
        return $this->lockedData ?? '';
    }

    public function write(string $id, string $data): bool
    {
        return $this->change(
            "INSERT INTO `{$this->table}` (id, data, expires) VALUES (?, ?, ?) "
            . 'ON DUPLICATE KEY UPDATE data = VALUES(data), expires = VALUES(expires)',
            [$id, $data, self::expiry()]
        );
    }

    // session.lazy_write: the data did not change, only the expiry moves.
    public function updateTimestamp(string $id, string $data): bool
    {
        return $this->change("UPDATE `{$this->table}` SET expires = ? WHERE id = ?", [self::expiry(), $id]);
    }

    public function destroy(string $id): bool
    {
        return $this->change("DELETE FROM `{$this->table}` WHERE id = ?", [$id]);
    }

    // PHP calls this after read(), while the session's row is locked: expired rows are
    // deleted on a connection of their own, so this session's transaction stays open.
    public function gc(int $max_lifetime): int|false
    {
        $link = $this->connect();
        if ($link === null) {
            return false;
        }
        $stmt = $this->execute($link, "DELETE FROM `{$this->table}` WHERE expires < ?", [time()]);
        $deleted = $stmt === false ? false : $stmt->affected_rows;
        $link->close();
        return $deleted;
    }

    // Starts the session's transaction and locks its row. Returns the data of a live
    // session, null when there is none (or it expired), false on a database error.
    private function lock(string $id, bool $first = true): string|null|false
    {
        if ($this->link === null || !$this->link->begin_transaction()) {
            return false;
        }
        $this->lockedId = $id;
        $this->lockedData = null;
        $sql = "SELECT data, expires FROM `{$this->table}` WHERE id = ? FOR UPDATE";
        $stmt = $this->execute($this->link, $sql, [$id]);
        if ($stmt === false && $this->tableCreated && $first) {
            // the first session: the table is there now, on a connection of its own; this
            // one may have been closed with the error (ProxySQL does), so begin afresh
            $this->tableCreated = false;
            $this->link->close();
            $this->link = $this->connect();
            return $this->lock($id, false);
        }
        if ($stmt === false) {
            return false;
        }
        $row = $stmt->get_result()->fetch_assoc();
        if ($row === null || (int) $row['expires'] < time()) {
            return null;
        }
        return $this->lockedData = $row['data'];
    }

    // A write, then the commit that makes it durable on every Galera node and unlocks the row.
    private function change(string $sql, array $params): bool
    {
        if ($this->link === null) {
            return false;
        }
        $done = $this->execute($this->link, $sql, $params) !== false;
        return $this->finish($done) && $done;
    }

    private function finish(bool $commit = true): bool
    {
        $this->lockedId = null;
        $this->lockedData = null;
        if ($this->link === null) {
            return false;
        }
        return $commit ? $this->link->commit() : $this->link->rollback();
    }

    private function connect(): ?mysqli
    {
        $db = json_decode((string) @file_get_contents(self::CONFIG), true);
        if (!is_array($db)) {
            error_log('hastack sessions: cannot read ' . self::CONFIG);
            return null;
        }
        $this->table = $db['table'] ?? $this->table;
        mysqli_report(MYSQLI_REPORT_OFF);
        $link = mysqli_init();
        $link->options(MYSQLI_OPT_CONNECT_TIMEOUT, (int) ($db['connect_timeout'] ?? 3));
        if (!@$link->real_connect($db['host'], $db['user'], $db['password'], $db['database'], (int) $db['port'])) {
            error_log("hastack sessions: cannot connect to {$db['host']}:{$db['port']}: " . mysqli_connect_error());
            return null;
        }
        $link->set_charset('utf8mb4');
        return $link;
    }

    // A missing table is created (createTable) and the statement fails; lock() then starts
    // again. The error can come from the prepare or, through ProxySQL (which answers a
    // prepare it has seen before from its own cache, without asking a server), only from
    // the execute, after which ProxySQL closes the connection.
    private function execute(mysqli $link, string $sql, array $params): mysqli_stmt|false
    {
        $stmt = $link->prepare($sql);
        if ($stmt !== false && $stmt->execute($params)) {
            return $stmt;
        }
        $errno = $stmt === false ? $link->errno : $stmt->errno;
        error_log('hastack sessions: ' . ($stmt === false ? $link->error : $stmt->error));
        if ($errno === self::NO_SUCH_TABLE) {
            $this->createTable();
        }
        return false;
    }

    // The first session ever creates the table (the user needs CREATE on the database,
    // or create the table beforehand with the statement in the role's README), on a
    // connection of its own: DDL would commit the caller's transaction.
    private function createTable(): void
    {
        $link = $this->connect();
        if ($link === null) {
            return;
        }
        $this->tableCreated = (bool) $link->query(
            "CREATE TABLE IF NOT EXISTS `{$this->table}` ("
            . 'id VARCHAR(128) NOT NULL PRIMARY KEY, data MEDIUMBLOB NOT NULL, '
            . 'expires INT UNSIGNED NOT NULL, KEY expires (expires)) ENGINE=InnoDB'
        );
        if (!$this->tableCreated) {
            error_log('hastack sessions: cannot create ' . $this->table . ': ' . $link->error);
        }
        $link->close();
    }

    private static function expiry(): int
    {
        return time() + (int) ini_get('session.gc_maxlifetime');
    }
}

session_set_save_handler(new HastackDatabaseSessionHandler(), true);
