#!/bin/sh
# Serve S3 on port 9000 with the access key pair MinIO reads (MINIO_ROOT_USER/PASSWORD).
#
# Capacity: every bucket is a SeaweedFS collection with volumes of its own, and weed mini's
# defaults (volumes of up to 64 MB or more, their count auto-sized as free space / volume size)
# gave a 1 GB data directory 16 volume slots: 15 buckets, whatever their size. Small volumes
# (16 MB; files are chunked at 4 MB) and 256 slots hold several hundred scenario buckets and a
# three-version matrix of the default scenarios (load included) in well under 1 GB. Volumes are
# not preallocated, so the slots cost nothing until written. No telemetry leaves the container.
set -eu
: "${MINIO_ROOT_USER:?MINIO_ROOT_USER is required}" "${MINIO_ROOT_PASSWORD:?MINIO_ROOT_PASSWORD is required}"
mkdir -p /data
export AWS_ACCESS_KEY_ID="$MINIO_ROOT_USER" AWS_SECRET_ACCESS_KEY="$MINIO_ROOT_PASSWORD"
exec weed mini -dir=/data -ip=127.0.0.1 -ip.bind=0.0.0.0 -s3.port=9000 -admin.ui=false \
  -webdav=false -s3.port.iceberg=0 -s3.port.lance=0 \
  -master.volumeSizeLimitMB=16 -volume.max=256 -master.volumePreallocate=false \
  -master.telemetry=false
