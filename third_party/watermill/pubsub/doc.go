// Infrastructure directory contains Pub/Subs implementations.
//
// Detailed Pub/Subs docs: https://watermill.io/pubsubs/
// Getting started guide: https://watermill.io/docs/getting-started/

package pubsub
