//! The floor `cargo xtask bench` sets a 200 MB upload into an S3 bucket against: the same bytes
//! put by one plain `object_store` call, with a client built from the same standard `AWS_*`
//! variables the server reads. Reads the file first, then prints the seconds the put took.
//!
//! `cargo run --profile server -p helpcenter-server --example put_object -- FILE s3://BUCKET/KEY`

use std::time::Instant;

use anyhow::Context;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: put_object FILE s3://BUCKET/KEY";
    let file = args.next().context(usage)?;
    let url = args.next().context(usage)?;
    let (bucket, key) = url
        .strip_prefix("s3://")
        .and_then(|rest| rest.split_once('/'))
        .context(usage)?;
    // An endpoint on this machine is plain HTTP, as the server allows for loopback.
    let store = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_allow_http(true)
        .build()
        .context("the S3 client from the AWS_* variables")?;
    let bytes = tokio::fs::read(&file)
        .await
        .with_context(|| format!("cannot read {file}"))?;
    let started = Instant::now();
    store
        .put(&Path::from(key), bytes.into())
        .await
        .with_context(|| format!("cannot put {url}"))?;
    println!("{:.3}", started.elapsed().as_secs_f64());
    Ok(())
}
