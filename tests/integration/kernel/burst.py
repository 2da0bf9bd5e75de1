"""A burst of short loopback TCP connections whose server closes first.

Copied into a test container and run there (python3 burst.py N): every
connection leaves one server-side socket in TIME_WAIT. Bounded: N
connections, loopback only, in the container's own network namespace.
"""
import socket
import sys
import threading


def main(count):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(('127.0.0.1', 0))
    server.listen(1024)
    port = server.getsockname()[1]

    def serve():
        for dummy in range(count):
            conn, dummy_addr = server.accept()
            conn.close()  # the server closes first: its side goes to TIME_WAIT

    thread = threading.Thread(target=serve)
    thread.start()
    for dummy in range(count):
        client = socket.create_connection(('127.0.0.1', port), timeout=10)
        client.recv(1)  # wait for the server's FIN, then close
        client.close()
    thread.join()
    server.close()


if __name__ == '__main__':
    main(int(sys.argv[1]))
