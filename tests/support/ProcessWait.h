#pragma once

class QProcess;

// Waits for a process to exit while the event loop keeps running, so the test's own HTTP sinks keep answering
// (the registry and Tidings talk to them while the process works). True when it exited within the time.
bool waitForProcessExit(QProcess &process, int timeoutMs);
