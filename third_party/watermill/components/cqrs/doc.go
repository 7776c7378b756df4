// Detailed CQRS documentation can be found in https://watermill.io/docs/cqrs/

package cqrs
