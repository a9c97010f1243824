variable "queue_visibility" {
  type    = number
  default = 30
}

resource "aws_sqs_queue" "orders" {
  name                       = "orders"
  visibility_timeout_seconds = var.queue_visibility
}

resource "aws_lambda_function" "orders" {
  function_name = "orders"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "orders.zip"
  role          = "arn:aws:iam::111122223333:role/orders"
  timeout       = 10
}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn = aws_sqs_queue.orders.arn
  function_name    = aws_lambda_function.orders.arn
}
