<?php
// Managed by Ansible (hastack.web.apache_phpfpm): the hastack demo application.
// It shows which web server answered and counts this session's requests: with the
// balancers' sticky cookie, every request of a session lands on the same server and the
// counter grows by one each time. ?format=json gives the same as JSON (for experiments).
//
// When the database path it is configured with (normally the local ProxySQL) or the
// session store fails, the page answers 503 with the reason: the balancers retry a GET
// on the other web server (retry-on 503), and the client gets an answer, not an error.
$session_ok = @session_start();
$_SESSION['count'] = ($_SESSION['count'] ?? 0) + 1;
$answer = [
    'server' => gethostname(),
    'session' => session_id(),
    'session_count' => $_SESSION['count'],
    // where the session lives: on this server, or in the database (apache_phpfpm_session_store)
    'session_store' => class_exists('HastackDatabaseSessionHandler', false) ? 'database' : 'files',
    'client' => $_SERVER['REMOTE_ADDR'] ?? '',
    'via' => $_SERVER['HTTP_X_FORWARDED_PROTO'] ?? 'direct',
    'database' => demo_database(),
];
$session_ok = @session_write_close() && $session_ok;
$database_ok = in_array($answer['database']['status'], ['ok', 'not configured'], true)
    || str_starts_with($answer['database']['status'], 'ProxySQL not installed');
if (!$session_ok || !$database_ok) {
    http_response_code(503);
    header('Retry-After: 1');
    $answer['unavailable'] = $session_ok ? 'database' : 'session store';
}

// Which database node served a read, and which a write, through the configured path
// (normally the local ProxySQL, which sends the SELECT to a reader and the transaction
// to the writer). Without one: whether ProxySQL is here, and if not, why.
function demo_database(): array
{
    $config = '/etc/hastack/demo-database.json';
    if (!is_readable($config)) {
        $proxysql = @json_decode((string) @file_get_contents('/etc/hastack/proxysql.json'), true);
        if (is_array($proxysql) && empty($proxysql['installed'])) {
            return ['status' => 'ProxySQL not installed: ' . ($proxysql['reason'] ?? 'no reason recorded')];
        }
        return ['status' => 'not configured'];
    }
    $db = json_decode((string) file_get_contents($config), true);
    mysqli_report(MYSQLI_REPORT_OFF);
    $link = mysqli_init();
    mysqli_options($link, MYSQLI_OPT_CONNECT_TIMEOUT, 2);
    mysqli_options($link, MYSQLI_OPT_READ_TIMEOUT, 3);
    if (!is_array($db) || !@mysqli_real_connect($link, $db['host'], $db['user'], $db['password'],
                                                 $db['database'] ?? '', (int) $db['port'])) {
        return ['status' => 'unavailable: ' . mysqli_connect_error()];
    }
    $read = mysqli_query($link, 'SELECT @@hostname');
    $reader = $read ? mysqli_fetch_row($read)[0] : null;
    // One transaction: ProxySQL keeps it on the writer (transaction_persistent).
    $writer = null;
    for ($attempt = 0; $attempt < 2 && $writer === null; $attempt++) {
        mysqli_begin_transaction($link);
        $hit = mysqli_prepare($link, 'INSERT INTO hastack_demo_hits (server) VALUES (?)');
        if ($hit === false && mysqli_errno($link) === 1146 && $attempt === 0) {
            mysqli_rollback($link);
            mysqli_query($link, 'CREATE TABLE IF NOT EXISTS hastack_demo_hits (id BIGINT AUTO_INCREMENT PRIMARY KEY, '
                . 'server VARCHAR(64) NOT NULL, at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))');
            continue;
        }
        $server = gethostname();
        if ($hit !== false && mysqli_stmt_bind_param($hit, 's', $server) && mysqli_stmt_execute($hit)) {
            $who = mysqli_query($link, 'SELECT @@hostname');
            $writer = $who ? mysqli_fetch_row($who)[0] : null;
            mysqli_commit($link);
        } else {
            mysqli_rollback($link);
            break;
        }
    }
    $error = mysqli_error($link);
    mysqli_close($link);
    return ['status' => ($reader !== null && $writer !== null) ? 'ok' : 'error: ' . $error,
            'read_by' => $reader, 'write_by' => $writer];
}

if (($_GET['format'] ?? '') === 'json') {
    header('Content-Type: application/json');
    header('Cache-Control: no-store');
    echo json_encode($answer), "\n";
    exit;
}
header('Cache-Control: no-store');
$e = fn ($value) => htmlspecialchars((string) $value, ENT_QUOTES);
?>
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>hastack demo</title></head>
<body>
<h1>Served by <?= $e($answer['server']) ?></h1>
<table>
<tr><th>Requests in this session</th><td><?= $e($answer['session_count']) ?></td></tr>
<tr><th>Session kept in</th><td><?= $e($answer['session_store']) ?></td></tr>
<tr><th>Your address (as the web server sees it)</th><td><?= $e($answer['client']) ?></td></tr>
<tr><th>Protocol at the balancer</th><td><?= $e($answer['via']) ?></td></tr>
<tr><th>Database</th><td><?= $e($answer['database']['status']) ?></td></tr>
<?php if (isset($answer['database']['read_by'])) : ?>
<tr><th>Read served by</th><td><?= $e($answer['database']['read_by']) ?></td></tr>
<tr><th>Write served by</th><td><?= $e($answer['database']['write_by']) ?></td></tr>
<?php endif; ?>
</table>
<p>Reload the page: with sticky sessions the server stays the same and the counter grows.</p>
</body>
</html>
