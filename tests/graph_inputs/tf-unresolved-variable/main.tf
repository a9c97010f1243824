variable "visibility" {
  type = number
}

resource "aws_sqs_queue" "jobs" {
  visibility_timeout_seconds = var.visibility
}
