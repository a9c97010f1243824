# A FIFO pipeline wired as AWS asks: FIFO topic -> FIFO queue with a FIFO dead-letter queue -> Lambda, 10 messages
# a batch with partial batch responses. The subscription keeps what SNS cannot deliver in a FIFO queue of its own.
resource "aws_sns_topic" "order_events" {
  name                        = "order-events.fifo"
  fifo_topic                  = true
  content_based_deduplication = true
}

resource "aws_sqs_queue" "orders" {
  name                       = "orders.fifo"
  fifo_queue                 = true
  visibility_timeout_seconds = 180 # 6 × the function's 30 s
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.orders_dead_letters.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue" "orders_dead_letters" {
  name                      = "orders-dlq.fifo"
  fifo_queue                = true
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "undelivered_order_events" {
  name                      = "undelivered-order-events.fifo"
  fifo_queue                = true
  message_retention_seconds = 1209600
}

resource "aws_sns_topic_subscription" "order_events_to_orders" {
  topic_arn            = aws_sns_topic.order_events.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.orders.arn
  raw_message_delivery = true
  redrive_policy       = jsonencode({ deadLetterTargetArn = aws_sqs_queue.undelivered_order_events.arn })
}

resource "aws_sqs_queue_policy" "orders" {
  queue_url = aws_sqs_queue.orders.id
  policy = jsonencode({
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.orders.arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.order_events.arn } }
      },
      {
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.orders.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_sqs_queue_policy" "undelivered_order_events" {
  queue_url = aws_sqs_queue.undelivered_order_events.id
  policy = jsonencode({
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.undelivered_order_events.arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.order_events.arn } }
      },
      {
        Effect    = "Deny"
        Principal = "*"
        Action    = "sqs:*"
        Resource  = aws_sqs_queue.undelivered_order_events.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

resource "aws_lambda_function" "worker" {
  function_name = "order-worker"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "worker.zip"
  timeout       = 30
  role          = aws_iam_role.worker.arn
}

resource "aws_iam_role" "worker" {
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "worker_logs" {
  role       = aws_iam_role.worker.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy_attachment" "worker_sqs" {
  role       = aws_iam_role.worker.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
}

resource "aws_lambda_event_source_mapping" "orders_to_worker" {
  event_source_arn        = aws_sqs_queue.orders.arn
  function_name           = aws_lambda_function.worker.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}
