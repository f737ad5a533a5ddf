#pragma once

#include <QtGlobal>

// A loopback TCP port on which every connection is refused, and which no other process can take meanwhile.
//
// Tests used to get such a port by listening on port 0 and closing the server again. Under `ctest -j` another
// test process may be given that very port a moment later and answer in its place (CI once saw "HTTP 404"
// where "connection refused" was expected). This holds a socket bound to the port but not listening: the
// kernel answers each connection attempt with a reset, and nobody else can bind the port until release().
class RefusingPort
{
public:
    RefusingPort();
    ~RefusingPort();
    RefusingPort(const RefusingPort &) = delete;
    RefusingPort &operator=(const RefusingPort &) = delete;

    bool isValid() const { return m_port != 0; }
    quint16 port() const { return m_port; }

    // Frees the port so that the test can start a server on it ("the endpoint comes back"). The window in
    // which another process could take it is the few microseconds until that server binds.
    void release();

private:
    int m_socket = -1;
    quint16 m_port = 0;
};
