using System.Net.Sockets;
using Akka.Actor;

namespace AkkaDiameter.Transport;

/// <summary>Hands the socket an accept or a connect produced to the actor that asked for it.</summary>
internal static class SocketTasks
{
    /// <summary>
    /// Tells <paramref name="self"/> the socket, or why there is none, unless <paramref name="stopped"/> was cancelled
    /// (the actor stopped meanwhile): then a socket that came anyway is closed, since nobody would own it, and nothing
    /// is told, since a dead letter about an actor that is gone helps nobody.
    /// </summary>
    public static void PipeSocketTo(this Task<Socket> task, IActorRef self, CancellationToken stopped,
        Func<Socket, object> success, Func<Exception, object> failure) =>
        task.ContinueWith(t =>
        {
            if (stopped.IsCancellationRequested)
            {
                if (t.IsCompletedSuccessfully) t.Result.Dispose();
                return;
            }
            self.Tell(t.IsCompletedSuccessfully ? success(t.Result) : failure(t.Exception?.GetBaseException() ?? new OperationCanceledException()));
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
