# Adapted from the seed's §2.1.1: its found_terminator reads a placeholder
# (self收集到的数据()); this client buffers, frames and prints each line.
import asynchat, asyncore, socket

class ChatClient(asynchat.async_chat):
    def __init__(self, host, port, path):
        asynchat.async_chat.__init__(self)
        self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        self.connect((host, port))
        self.push(f'GET {path} HTTP/1.0\r\n\r\n'.encode())
        self.set_terminator(b'\r\n\r\n')  # first the response head
        self.buffer = []
        self.in_body = False

    def collect_incoming_data(self, data):
        print("Received data:", data)
        self.buffer.append(data)

    def found_terminator(self):
        data = b''.join(self.buffer)
        self.buffer = []
        if not self.in_body:
            self.in_body = True
            self.set_terminator(b'\n')  # then one message per line
            return
        print("Line received:", data.decode())

ChatClient('127.0.0.1', 8080, '/api/lines?n=6&interval_ms=200&split=1')
asyncore.loop()
