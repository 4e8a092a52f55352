#!/bin/sh
# Serve S3 on port 9000 with the access key pair MinIO reads (MINIO_ROOT_USER/PASSWORD).
set -eu
: "${MINIO_ROOT_USER:?MINIO_ROOT_USER is required}" "${MINIO_ROOT_PASSWORD:?MINIO_ROOT_PASSWORD is required}"
mkdir -p /data
export AWS_ACCESS_KEY_ID="$MINIO_ROOT_USER" AWS_SECRET_ACCESS_KEY="$MINIO_ROOT_PASSWORD"
exec weed mini -dir=/data -ip=127.0.0.1 -ip.bind=0.0.0.0 -s3.port=9000 -admin.ui=false \
  -webdav=false -s3.port.iceberg=0 -s3.port.lance=0
