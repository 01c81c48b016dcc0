// The introspection benchmark's peer: node oidc-provider (version pinned in package.json) with
// its in-memory adapter, one confidential client, the client-credentials grant and the RFC 7662
// endpoint. Prints one line "PEER {port, token, clientId, clientSecret}" (JSON) once a
// client-credentials access token has been issued, then serves until SIGTERM.
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 0);
const clientId = 'bench';
const clientSecret = 'bench-secret-' + Math.random().toString(36).slice(2);

const server = http.createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const actual = server.address().port;
const provider = new Provider(`http://127.0.0.1:${actual}`, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    introspection_endpoint_auth_method: 'client_secret_basic',
  }],
  ttl: { ClientCredentials: 3600 },
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: false },
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
server.on('request', provider.callback());

const basic = 'Basic ' + Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
const res = await fetch(`http://127.0.0.1:${actual}/token`, {
  method: 'POST',
  headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials',
});
const body = await res.json();
if (!body.access_token) {
  console.error('no token:', JSON.stringify(body));
  process.exit(1);
}
console.log('PEER ' + JSON.stringify({ port: actual, token: body.access_token, clientId, clientSecret }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
