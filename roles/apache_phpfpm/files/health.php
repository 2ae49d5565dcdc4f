<?php
// Managed by Ansible (hastack.web.apache_phpfpm): the health endpoint HAProxy checks.
// Answered by PHP-FPM through Apache, so a 200 proves both. When a database check is
// configured (/etc/hastack/health-database.json), a query through it must succeed too.
// Any failure is a 503 with the reason, so the balancer drains this server.
header('Content-Type: text/plain');
header('Cache-Control: no-store');

$config = '/etc/hastack/health-database.json';
if (is_readable($config)) {
    $db = json_decode((string) file_get_contents($config), true);
    mysqli_report(MYSQLI_REPORT_OFF);
    $link = mysqli_init();
    mysqli_options($link, MYSQLI_OPT_CONNECT_TIMEOUT, 2);
    mysqli_options($link, MYSQLI_OPT_READ_TIMEOUT, 2);
    $ok = is_array($db)
        && @mysqli_real_connect($link, $db['host'], $db['user'], $db['password'], '', (int) $db['port'])
        && @mysqli_query($link, 'SELECT 1');
    if (!$ok) {
        http_response_code(503);
        echo "database: unavailable\n";
        exit;
    }
    echo "database: ok\n";
}
echo "ok\n";
