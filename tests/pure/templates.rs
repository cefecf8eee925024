//! Every embedded policy template fills to valid JSON with no placeholder left,
//! and uses only variables the planner knows how to bind.

use onramp::plan::lint::placeholder_in;
use onramp::templates::{Template, TemplateError, Vars, fill, visit_strings};

/// The variables the planner binds, with a test value for each.
fn all_vars() -> Vars {
    Vars::new()
        .set("partition", "aws-us-gov")
        .set("region", "us-gov-west-1")
        .set("account_id", "210987654321")
        .set("service", "ec2.amazonaws.com")
        .set("resources_bucket", "res-bucket")
        .set("parallelcluster_role", "path/ClusterRole")
        .set("stack_name", "stack")
        .set("job_definition_serial_name", "serial")
        .set("job_definition_mnp_name", "mnp")
        .set("job_queue_name", "queue")
        .set("job_role", "jobrole")
        .set("ecs_compute_environment", "ce")
        .set("secret_name", "pcluster/secret")
        .set("fsx_bucket", "lustre-bucket")
        .set(
            "permissions_boundary",
            "arn:aws-us-gov:iam::210987654321:policy/boundary",
        )
        .set_list("bucket", vec!["one-bucket".into(), "two-bucket".into()])
        .set_list("read_bucket", vec!["in-bucket".into(), "ref-bucket".into()])
        .set_list("write_bucket", vec!["in-bucket".into()])
        .set_list("ecr_repository", vec!["gatk".into(), "omics/bwa".into()])
        .set(
            "kms_key_arn",
            "arn:aws-us-gov:kms:us-gov-west-1:210987654321:key/abc-123",
        )
        .set(
            "service_role_arn",
            "arn:aws-us-gov:iam::210987654321:role/OmicsWorkflowServiceRole",
        )
        .set_list(
            "omics_passed_to_service",
            vec!["omics.amazonaws.com".into()],
        )
        .set_list(
            "ec2_passed_to_service",
            vec!["ec2.amazonaws.com".into(), "ec2.amazonaws.com.cn".into()],
        )
}

#[test]
fn every_template_fills_without_leftovers() {
    for template in Template::ALL {
        let doc =
            fill(template, &all_vars()).unwrap_or_else(|e| panic!("{}: {e}", template.file()));
        let text = serde_json::to_string(&doc).unwrap();
        let reparsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(reparsed, doc, "{} is not stable JSON", template.file());
        let mut leftovers = Vec::new();
        visit_strings(&doc, &mut |s| leftovers.extend(placeholder_in(s)));
        assert!(leftovers.is_empty(), "{}: {leftovers:?}", template.file());
        assert!(
            !text.contains("arn:aws:"),
            "{}: hard-coded partition",
            template.file()
        );
        assert!(
            text.contains("arn:aws-us-gov:")
                || template == Template::ServiceTrust
                || template == Template::EbsAutoscale,
            "{}: partition not applied",
            template.file()
        );
    }
}

#[test]
fn each_template_variable_is_required() {
    // Leaving any one variable out must fail loudly, never leave `{{x}}` behind.
    for template in Template::ALL {
        for variable in template.variables().unwrap() {
            let mut vars = Vars::new();
            for other in template.variables().unwrap() {
                if other != variable {
                    vars = bind(vars, &other);
                }
            }
            match fill(template, &vars) {
                Err(TemplateError::Unbound { variable: v, .. }) => assert_eq!(v, variable),
                other => panic!("{} without {variable}: {other:?}", template.file()),
            }
        }
    }
}

fn bind(vars: Vars, name: &str) -> Vars {
    let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
    if name == "bucket" {
        vars.set_list(name, vec!["b-1".into()])
    } else {
        vars.set(name, "x")
    }
}

#[test]
fn templates_on_disk_are_the_embedded_ones() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/policies");
    for template in Template::ALL {
        let on_disk = std::fs::read_to_string(root.join(template.file())).unwrap();
        assert_eq!(on_disk, template.source(), "{}", template.file());
    }
    let mut files = 0;
    for dir in [
        "",
        "genomics",
        "omics",
        "parallelcluster2",
        "parallelcluster3",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files += 1;
            }
        }
    }
    assert_eq!(
        files,
        Template::ALL.len(),
        "a template file is not embedded"
    );
}
