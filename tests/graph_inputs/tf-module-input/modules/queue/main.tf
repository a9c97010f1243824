variable "visibility" {
  type = number
}

resource "aws_sqs_queue" "this" {
  name                       = "jobs"
  visibility_timeout_seconds = var.visibility
}
