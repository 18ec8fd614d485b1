// Starts kinesalite (a real implementation of the Kinesis API, in memory) on 127.0.0.1:PORT for the tests.
// Usage: node launch.js PORT. Streams become ACTIVE at once. Stops on SIGTERM or when stdin closes.
'use strict';
const kinesalite = require('kinesalite');

const port = parseInt(process.argv[2], 10);
if (!(port > 0)) {
  console.error('usage: node launch.js PORT');
  process.exit(2);
}
const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 });
server.listen(port, '127.0.0.1', (err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  console.log('kinesalite listening on 127.0.0.1:' + port);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
