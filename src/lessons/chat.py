# Adapted from 004 §2.1.1-2.1.2: the seed's ChatServer reads a placeholder
# (self收集到的数据()) and takes a socket from asyncore.socket_map; here each
# connection buffers its data and found_terminator pushes the line to every
# client of the room. A terminator inside a message is escaped (\n as \\n).
import asynchat, asyncore, json, socket

clients = []

class ChatHandler(asynchat.async_chat):
    def __init__(self, sock):
        asynchat.async_chat.__init__(self, sock)
        self.set_terminator(b'\n')  # 设置终止符为换行符
        self.buffer = []
        clients.append(self)

    def collect_incoming_data(self, data):
        print("Received data:", json.dumps(data.decode()))
        self.buffer.append(data)

    def found_terminator(self):
        data = b''.join(self.buffer)
        self.buffer = []
        print("Line received:", data.decode().replace('\\n', '\n'))
        for client in clients:
            client.push(data + b'\n')

class ChatServer(asyncore.dispatcher):
    def __init__(self, host, port):
        asyncore.dispatcher.__init__(self)
        self.create_socket(socket.AF_INET, socket.SOCK_STREAM)
        self.bind((host, port))
        self.listen(5)

    def handle_accepted(self, sock, addr):
        ChatHandler(sock)

ChatServer('localhost', 6000)
asyncore.loop()

# The client (the seed's, with a second message):
#   s.sendall(b"tab-1a2b: Hello, World\n")
#   s.sendall(b"tab-1a2b: two lines\\nin one message\n")
