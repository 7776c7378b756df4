# Multi-stage: build a static binary, ship it on distroless as non-root.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/orderflow .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/orderflow /orderflow
COPY config.yaml /config.yaml
USER nonroot:nonroot
ENTRYPOINT ["/orderflow"]
CMD ["serve", "--config", "/config.yaml"]
