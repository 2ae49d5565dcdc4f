<?php
// Managed by Ansible (hastack.web.apache_phpfpm): the hastack demo application.
// It shows which web server answered and counts this session's requests: with the
// balancers' sticky cookie, every request of a session lands on the same server and the
// counter grows by one each time. ?format=json gives the same as JSON (for experiments).
session_start();
$_SESSION['count'] = ($_SESSION['count'] ?? 0) + 1;
$answer = [
    'server' => gethostname(),
    'session' => session_id(),
    'session_count' => $_SESSION['count'],
    'client' => $_SERVER['REMOTE_ADDR'] ?? '',
    'via' => $_SERVER['HTTP_X_FORWARDED_PROTO'] ?? 'direct',
    'database' => 'not configured',
];
session_write_close();

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
<tr><th>Your address (as the web server sees it)</th><td><?= $e($answer['client']) ?></td></tr>
<tr><th>Protocol at the balancer</th><td><?= $e($answer['via']) ?></td></tr>
<tr><th>Database</th><td><?= $e($answer['database']) ?></td></tr>
</table>
<p>Reload the page: with sticky sessions the server stays the same and the counter grows.</p>
</body>
</html>
