//! Benchmark: the builtin validator against `terraform validate` on the
//! same 10,000-resource aws configuration, measured in one run, as a ratio.
//!
//! Run by hand (release): `cargo bench --bench validate_vs_terraform`
//! (`-- N` for another size). Needs `terraform` on PATH and the
//! hashicorp/aws provider in a local plugin directory (`ATG_TF_PLUGIN_DIR`,
//! else found as the tests find it). The configuration repeats a group of
//! ten resources (aws_instance, aws_security_group, aws_s3_bucket and four
//! aws_s3_bucket_* resources, aws_lb_target_group, aws_lb_listener,
//! terraform_data) with nested blocks and references, across ten files; it
//! is valid, and both validators must say so. Figures go in
//! docs/PERFORMANCE.md.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

#[path = "../tests/common/mod.rs"]
mod common;

// The same allocator as the `atg` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const AWS: &str = "registry.terraform.io/hashicorp/aws";

/// One group of ten resources, all named with suffix `i`.
fn group(i: usize) -> String {
    format!(
        r#"resource "aws_security_group" "sg{i}" {{
  name        = "web-{i}"
  description = "group {i}"
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_instance" "vm{i}" {{
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [aws_security_group.sg{i}.id]
  tags = {{
    Name  = "vm-{i}"
    group = "{g}"
  }}
  root_block_device {{
    volume_size = 20
    volume_type = "gp3"
  }}
  ebs_block_device {{
    device_name = "/dev/sdb"
    volume_size = 10
  }}
  metadata_options {{
    http_tokens = "required"
  }}
}}

resource "aws_s3_bucket" "b{i}" {{
  bucket = "atg-bench-{i}"
}}

resource "aws_s3_bucket_versioning" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "aws:kms"
    }}
  }}
}}

resource "aws_s3_bucket_lifecycle_configuration" "b{i}" {{
  bucket = aws_s3_bucket.b{i}.bucket
  rule {{
    id     = "expire"
    status = "Enabled"
    filter {{
      prefix = "logs/"
    }}
    expiration {{
      days = 30
    }}
  }}
}}

resource "aws_s3_bucket_public_access_block" "b{i}" {{
  bucket                  = aws_s3_bucket.b{i}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_lb_target_group" "tg{i}" {{
  name     = "tg-{i}"
  port     = 80
  protocol = "HTTP"
  vpc_id   = "vpc-0123456789abcdef0"
}}

resource "aws_lb_listener" "l{i}" {{
  load_balancer_arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1"
  port              = 80
  protocol          = "HTTP"
  default_action {{
    type = "forward"
    forward {{
      target_group {{
        arn    = aws_lb_target_group.tg{i}.arn
        weight = 100
      }}
    }}
  }}
}}

resource "terraform_data" "d{i}" {{
  input = [aws_instance.vm{i}.id, aws_s3_bucket.b{i}.arn, aws_lb_listener.l{i}.arn]
}}

"#,
        g = i % 10
    )
}

fn terraform(dir: &Path, args: &[&str]) -> (std::process::Output, f64) {
    let t = Instant::now();
    let out = Command::new("terraform")
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("terraform on PATH");
    (out, t.elapsed().as_secs_f64())
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find(|a| a != "--bench")
        .map_or(10_000, |a| a.parse().expect("resource count"));
    let groups = n.div_ceil(10);
    let plugins = common::plugin_dir(&[AWS.to_string()]).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let files = 10;
    for f in 0..files {
        let text: String = (f * groups / files..(f + 1) * groups / files)
            .map(group)
            .collect();
        std::fs::write(dir.path().join(format!("part{f:02}.tf")), text).unwrap();
    }

    let (out, init_s) = terraform(
        dir.path(),
        &[
            "init",
            "-backend=false",
            "-input=false",
            "-no-color",
            "-plugin-dir",
            plugins.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (out, schema_s) = terraform(dir.path(), &["providers", "schema", "-json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schema = dir.path().join("schema.json.out");
    std::fs::write(&schema, &out.stdout).unwrap();

    // terraform validate.
    let (out, terraform_s) = terraform(dir.path(), &["validate", "-json", "-no-color"]);
    let tf = atg::validate::terraform::parse_validate_json(&out.stdout, None)
        .unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert!(
        tf.valid,
        "terraform: {:?}",
        &tf.diagnostics[..tf.diagnostics.len().min(3)]
    );

    // The builtin validator, as `atg validate --validator builtin
    // --provider-schema FILE` runs it: load the schema, parse, check.
    let cache = tempfile::tempdir().unwrap();
    let opts = atg::validate::ValidateOptions {
        validator: atg::validate::ValidatorChoice::Builtin,
        schema_files: vec![schema.clone()],
        schema_cache_dir: cache.path().to_path_buf(),
        ..Default::default()
    };
    let t = Instant::now();
    let outcome = atg::validate::validate_dir(dir.path(), &opts).expect("builtin");
    let builtin_s = t.elapsed().as_secs_f64();
    assert!(
        outcome.is_valid() && outcome.diagnostics.is_empty(),
        "builtin: {:?}",
        &outcome.diagnostics[..outcome.diagnostics.len().min(3)]
    );
    assert_eq!(outcome.level, atg::validate::ValidationLevel::Provider);

    // Where the builtin time goes.
    let t = Instant::now();
    let schemas = atg::validate::schema::Schemas::load_file(&schema).unwrap();
    let load_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let cfg = atg::validate::config::Config::parse_dir(dir.path()).unwrap();
    let parse_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let _ = atg::validate::builtin::check(&cfg, Some(&schemas));
    let check_s = t.elapsed().as_secs_f64();

    let resources = cfg.resources.len();
    println!(
        "{resources} resources in {files} files, {} MB of HCL; aws provider schema {} MB",
        cfg.files.iter().map(|f| f.text.len()).sum::<usize>() / 1_000_000,
        std::fs::metadata(&schema).unwrap().len() / 1_000_000
    );
    println!("| step | s |");
    println!("|---|---:|");
    println!("| terraform init -plugin-dir (not compared) | {init_s:.2} |");
    println!("| terraform providers schema -json (not compared) | {schema_s:.2} |");
    println!("| **terraform validate -json** | **{terraform_s:.2}** |");
    println!("| **atg builtin validator** (load schema + parse + check) | **{builtin_s:.2}** |");
    println!("| — load the provider schema | {load_s:.2} |");
    println!("| — parse the folder | {parse_s:.2} |");
    println!("| — check | {check_s:.2} |");
    println!(
        "ratio terraform validate / builtin: {:.1}×",
        terraform_s / builtin_s
    );
}
