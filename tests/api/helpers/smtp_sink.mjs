// A minimal SMTP server (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on
// 127.0.0.1, recording each message. SMTP is a protocol we speak, not a third-party service, so the
// server's real libcurl SMTP client is exercised end to end against it.
import net from 'node:net';

export async function startSmtpSink() {
  const messages = [];
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let current = { from: null, to: [], data: '' };
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 sink.local ESMTP test sink');
    socket.on('data', (chunk) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          current.data += buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          messages.push({ ...current, data: current.data.replace(/^\.\./gm, '.') });
          current = { from: null, to: [], data: '' };
          reply('250 OK queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') reply('250-sink.local\r\n250 SIZE 10485760');
        else if (verb === 'HELO') reply('250 sink.local');
        else if (verb === 'MAIL') { current.from = line.slice(10).trim(); reply('250 OK'); }
        else if (verb === 'RCPT') { current.to.push(line.slice(8).trim()); reply('250 OK'); }
        else if (verb === 'DATA') { inData = true; reply('354 End data with <CR><LF>.<CR><LF>'); }
        else if (verb === 'RSET') { current = { from: null, to: [], data: '' }; reply('250 OK'); }
        else if (verb === 'NOOP') reply('250 OK');
        else if (verb === 'QUIT') { reply('221 Bye'); socket.end(); return; }
        else reply('502 Command not implemented');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    messages,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
