import 'reflect-metadata';
import { once } from 'node:events';
import { type Server as HttpServer, get } from 'node:http';
import { Controller, Get, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Request } from 'express';
import { firstValueFrom } from 'rxjs';
import { WebSocket, type WebSocketServer as WsServer } from 'ws';
import { drainingOf, exitOnClose, serve, shutdownSignals } from '../lib/index.js';

@Controller()
class ReportController {
  @Get('report')
  async report(@Req() req: Request): Promise<string> {
    process.kill(process.pid, 'SIGTERM');
    await firstValueFrom(drainingOf(req));
    return 'finished while draining';
  }
}

@WebSocketGateway()
class EchoGateway {
  @WebSocketServer() server!: WsServer;
  @SubscribeMessage('echo')
  echo(client: unknown, data: string): string {
    return data;
  }
}

@Module({ controllers: [ReportController], providers: [EchoGateway] })
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: false });
app.useWebSocketAdapter(new WsAdapter(app));
app.enableShutdownHooks();
await app.init();
const wss = app.get(EchoGateway).server;

serve({ server: app.getHttpServer() as HttpServer, port: 0, websocketServers: [wss], shutdown$: shutdownSignals(), deadline: 10_000 })
  .pipe(exitOnClose())
  .subscribe(async (event) => {
    console.log(event.type);
    if (event.type === 'listening') clients = tryIt(event.url);
    if (event.type === 'closed') {
      console.log(`${await clients}\nclosed: graceful ${event.graceful}, drained ${event.drained}`);
      await app.close();
    }
  });

let clients: Promise<string>;
async function tryIt(url: string): Promise<string> {
  const ws = new WebSocket(url.replace('http', 'ws'));
  await once(ws, 'open');
  const closed = once(ws, 'close').then(([code]) => `websocket: ${code}`);
  const answered = new Promise<string>((resolve) =>
    get(`${url}/report`, (res) => res.resume().on('end', () => resolve(`request: ${res.statusCode}, connection: ${res.headers.connection}`))),
  );
  return (await Promise.all([answered, closed])).join('\n');
}
