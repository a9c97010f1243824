"""Loaders turn Terraform and CloudFormation files into the resource graph."""
