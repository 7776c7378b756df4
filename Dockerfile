# orderflow's image: a static binary on distroless, run as nonroot (65532).
# Base images are pinned: Go is the release go.mod names (GOTOOLCHAIN=local
# in the golang image, so it must be at least that), distroless is Debian 13.
# On a machine without an image registry, `task images:offline` builds
# stand-ins under these names (deploy/images/README.md).
ARG GO_VERSION=1.26.8
FROM golang:${GO_VERSION}-trixie AS build
WORKDIR /src
COPY go.mod go.sum ./
# go.mod replaces Watermill with the patched copy here (third_party/README.md).
COPY third_party third_party
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/orderflow . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian13:nonroot
COPY --from=build /out/orderflow /orderflow
COPY config.yaml /config.yaml
# The gateway's idempotency store lives on a volume at /data. Docker copies
# this directory, with its owner, into an empty named volume on first use, so
# nonroot can write there.
COPY --from=build --chown=65532:65532 /out/data /data
# Every command, serve or seed or dlq, finds the config without --config.
ENV ORDERFLOW_CONFIG=/config.yaml
USER nonroot:nonroot
EXPOSE 8081
ENTRYPOINT ["/orderflow"]
CMD ["serve"]
